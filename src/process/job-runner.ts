/**
 * One `job` block: a command that apps (the WatchdogApp) run on demand. Output is
 * logged under the job's logger and the exit status is logged when it ends.
 *
 * Triggers do not pile up: while a run is under way, the first further trigger queues
 * ONE next run and every later trigger shares it (its promise), because whatever
 * changed since the current run started is covered by that single next run.
 */
import { resolve } from "node:path";
import type { JobConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { ProcessGroupTracker } from "./tracker.js";
import { commandArgv } from "../config/command.js";
import { describeExit } from "./exit.js";
import { processGroups, type ChildControl, type LoggedChild } from "./logged-child.js";

export interface JobRunnerOptions {
  name: string;
  config: JobConfig;
  projectDir: string;
  logger: Logger;
  tracker: ProcessGroupTracker;
  /** The base environment (default: process.env); config.env is added on top. */
  env?: NodeJS.ProcessEnv;
  /** How runs are started and ended (default: real process groups; unit tests pass a fake). */
  children?: ChildControl;
}

/** How long a run gets between SIGTERM and SIGKILL when the job is stopped. */
const STOP_TIMEOUT_MS = 5000;

/** How one run of a job ended. */
export interface JobOutcome {
  /** Exit code; null when the job was killed by a signal or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  ok: boolean;
}

const NOT_RUN: JobOutcome = { exitCode: null, signal: null, ok: false };

export class JobRunner {
  readonly name: string;
  private readonly config: JobConfig;
  private readonly logger: Logger;
  private readonly tracker: ProcessGroupTracker;
  private readonly cwd: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly argv: string[];
  private readonly children: ChildControl;
  /** The run under way, if any. */
  private active: Promise<JobOutcome> | undefined;
  /** The single run queued behind the active one, shared by every trigger meanwhile. */
  private queued: Promise<JobOutcome> | undefined;
  private child: LoggedChild | undefined;
  private stopped = false;

  constructor(options: JobRunnerOptions) {
    this.name = options.name;
    this.config = options.config;
    this.logger = options.logger;
    this.tracker = options.tracker;
    this.cwd = resolve(options.projectDir, options.config.cwd ?? ".");
    this.env = { ...(options.env ?? process.env), ...options.config.env };
    this.argv = commandArgv(options.config.command);
    this.children = options.children ?? processGroups;
  }

  /** True while a run is under way. */
  get running(): boolean {
    return this.active !== undefined;
  }

  /**
   * Runs the job, or queues one run behind the current one. Never rejects: a job that
   * cannot start resolves `{ exitCode: null, signal: null, ok: false }` after logging why.
   */
  run(): Promise<JobOutcome> {
    if (this.stopped) {
      this.logger.debug("not run: jaffle is shutting down");
      return Promise.resolve(NOT_RUN);
    }
    if (this.queued) return this.queued;
    if (!this.active) return this.startRun();
    this.logger.debug("queued: a run is under way");
    this.queued = this.active.then(() => {
      this.queued = undefined;
      if (this.stopped) return NOT_RUN;
      return this.startRun();
    });
    return this.queued;
  }

  /** Cancels a queued run and ends the running one (SIGTERM to its group, SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (child) await this.children.terminate(child.pid, STOP_TIMEOUT_MS);
    await this.active;
    await this.queued;
  }

  private startRun(): Promise<JobOutcome> {
    const run = this.execute().finally(() => {
      if (this.active === run) this.active = undefined;
    });
    this.active = run;
    return run;
  }

  private async execute(): Promise<JobOutcome> {
    const startedAt = Date.now();
    let child: LoggedChild;
    try {
      child = await this.children.spawn({
        argv: this.argv,
        cwd: this.cwd,
        env: this.env,
        tty: this.config.tty,
        label: `job ${this.name}`,
        logger: this.logger,
        tracker: this.tracker,
        dropBlankLines: !this.config.keep_blank_lines,
      });
    } catch (error) {
      this.logger.error(`could not start: ${(error as Error).message}`);
      return NOT_RUN;
    }
    this.child = child;
    this.logger.debug(`started (pid ${child.pid}): ${this.argv.join(" ")}`);
    // stop() came while the job was being spawned: it could not see the child yet.
    if (this.stopped) void this.children.terminate(child.pid, STOP_TIMEOUT_MS);
    const status = await child.exited;
    if (this.child === child) this.child = undefined;
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(2);
    const ok = status.code === 0;
    if (ok) this.logger.info(`finished with ${describeExit(status)} in ${seconds} s`);
    else this.logger.error(`failed with ${describeExit(status)} after ${seconds} s`);
    return { exitCode: status.code, signal: status.signal, ok };
  }
}
