/**
 * One `process` block: a long-running command in its own process group, its output
 * logged line by line, restarted according to its policy.
 *
 *   starting ─► running ─► (exit) ─► backoff ─► starting ...
 *                               └─► exited (code 0) | failed (non-zero, or gave up)
 *   stop() from any state ─► stopped
 *
 * Policies: `never` (Jaffle's behaviour), `on-failure` (non-zero exit or a signal),
 * `always` (any exit not asked for by stop()). Each restart is logged with the exit
 * status and the delay; after `max_restarts` consecutive restarts the process gives
 * up with an error line and the "gave-up" event.
 */
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import type { ProcessConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { ProcessGroupTracker } from "./tracker.js";
import { commandArgv } from "../config/command.js";
import { describeExit, type ChildExit } from "./exit.js";
import { spawnLoggedChild, type LoggedChild } from "./logged-child.js";
import { terminateGroup } from "./groups.js";
import { RestartBackoff } from "./restart-timing.js";

export type ProcessState = "starting" | "running" | "backoff" | "exited" | "failed" | "stopped";

export interface ManagedProcessOptions {
  name: string;
  config: ProcessConfig;
  projectDir: string;
  logger: Logger;
  tracker: ProcessGroupTracker;
  /** The base environment (default: process.env); config.env is added on top. */
  env?: NodeJS.ProcessEnv;
}

export interface ManagedProcessEvents {
  spawn: [pid: number];
  exit: [status: ChildExit];
  /** A restart was scheduled: the attempt number and the delay before it. */
  restart: [info: { attempt: number; delayMs: number; status: ChildExit }];
  "gave-up": [status: ChildExit];
}

export class ManagedProcess extends EventEmitter<ManagedProcessEvents> {
  readonly name: string;
  private readonly config: ProcessConfig;
  private readonly logger: Logger;
  private readonly argv: string[];
  private readonly spawnSpec: { cwd: string; env: NodeJS.ProcessEnv; tracker: ProcessGroupTracker };
  private readonly backoff: RestartBackoff;
  private current: LoggedChild | undefined;
  private currentStartedAt: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private restartCount = 0;
  private stateValue: ProcessState = "stopped";
  /** Settles when the current run's exit has been handled (state updated, events sent). */
  private runSettled: Promise<void> = Promise.resolve();
  /** Set while a spawn is under way, so stop() can wait for it and then end it. */
  private spawning: Promise<void> | undefined;

  constructor(options: ManagedProcessOptions) {
    super();
    this.name = options.name;
    this.config = options.config;
    this.logger = options.logger;
    // Parse now: a quoting error is a configuration error, reported before anything runs.
    this.argv = commandArgv(options.config.command);
    this.spawnSpec = {
      cwd: resolve(options.projectDir, options.config.cwd ?? "."),
      env: { ...(options.env ?? process.env), ...options.config.env },
      tracker: options.tracker,
    };
    this.backoff = new RestartBackoff(options.config.max_restarts, options.config.restart_window * 1000);
  }

  /** The current run's pid (= its process group id); undefined when not running. */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** Restarts so far (all of them, for `jaffle status`). */
  get restarts(): number {
    return this.restartCount;
  }

  get state(): ProcessState {
    return this.stateValue;
  }

  /** When the current run was spawned (ms since the epoch); undefined when not running. */
  get startedAt(): number | undefined {
    return this.current ? this.currentStartedAt : undefined;
  }

  /** Spawns the process; rejects with a one-line Error when it cannot be started. */
  async start(): Promise<void> {
    if (this.current || this.stateValue === "starting" || this.stateValue === "backoff") {
      throw new Error(`process "${this.name}" is already started`);
    }
    this.stopping = false;
    try {
      await this.spawnTracked();
    } catch (error) {
      this.stateValue = "failed";
      throw error;
    }
  }

  /** Ends the process group (SIGTERM, SIGKILL after `timeoutMs`) and cancels any restart. */
  /** SIGTERM to the group, SIGKILL after `timeoutMs` (default: the block's stop_timeout). */
  async stop(timeoutMs = this.config.stop_timeout * 1000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    await this.spawning?.catch(() => undefined);
    const running = this.current;
    if (running) {
      const how = await terminateGroup(running.pid, timeoutMs);
      if (how === "killed") this.logger.warning(`did not stop within ${timeoutMs} ms of SIGTERM; killed`);
    }
    await this.runSettled;
    this.stateValue = "stopped";
  }

  private spawnTracked(): Promise<void> {
    const spawning = this.spawnOnce();
    this.spawning = spawning;
    const clear = () => {
      if (this.spawning === spawning) this.spawning = undefined;
    };
    spawning.then(clear, clear);
    return spawning;
  }

  private async spawnOnce(): Promise<void> {
    this.stateValue = "starting";
    const child = await spawnLoggedChild({
      argv: this.argv,
      cwd: this.spawnSpec.cwd,
      env: this.spawnSpec.env,
      tty: this.config.tty,
      label: `process ${this.name}`,
      logger: this.logger,
      tracker: this.spawnSpec.tracker,
      dropBlankLines: !this.config.keep_blank_lines,
    });
    this.current = child;
    this.currentStartedAt = Date.now();
    this.stateValue = "running";
    this.logger.debug(`started (pid ${child.pid}): ${this.argv.join(" ")}`);
    this.runSettled = child.exited.then((status) => this.onExit(child, status));
    this.emit("spawn", child.pid);
  }

  private onExit(child: LoggedChild, status: ChildExit): void {
    const uptimeMs = Date.now() - (this.currentStartedAt ?? Date.now());
    if (this.current === child) this.current = undefined;
    this.emit("exit", status);
    if (this.stopping) {
      this.stateValue = "stopped";
      return;
    }
    const failed = status.code !== 0;
    const policy = this.config.restart;
    const wanted = policy === "always" || (policy === "on-failure" && failed);
    if (!wanted) {
      this.stateValue = failed ? "failed" : "exited";
      if (failed) this.logger.error(`exited with ${describeExit(status)}`);
      else this.logger.info(`exited with ${describeExit(status)}`);
      return;
    }
    const decision = this.backoff.next(uptimeMs);
    if (!decision.restart) {
      this.stateValue = "failed";
      this.logger.error(
        `exited with ${describeExit(status)}; gave up after ${this.config.max_restarts} restarts (restart = "${policy}")`,
      );
      this.emit("gave-up", status);
      return;
    }
    this.stateValue = "backoff";
    this.logger.warning(
      `exited with ${describeExit(status)}; restarting in ${formatDelay(decision.delayMs)} ` +
        `(restart ${decision.attempt} of at most ${this.config.max_restarts})`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restartCount++;
      this.emit("restart", { attempt: decision.attempt, delayMs: decision.delayMs, status });
      this.spawnTracked().catch((error: Error) => {
        this.stateValue = "failed";
        this.logger.error(`restart failed: ${error.message}`);
        this.emit("gave-up", status);
      });
    }, decision.delayMs);
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
