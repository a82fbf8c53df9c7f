/**
 * Starts a kernel from its kernelspec and hands back a connected client.
 *
 * Each kernel runs as the leader of its own process group (so an interrupt or a kill
 * reaches everything it started), with a connection file `<runtimeDir>/kernel-<name>.json`
 * (0600 in a 0700 directory), sockets on 127.0.0.1, and only the environment the config
 * grants. Its stdout/stderr become log lines. The launch succeeds once the kernel
 * answers kernel_info; it fails with the kernel's last stderr lines if the process
 * exits first or the start-up timeout passes.
 *
 * The ports are chosen here and bound by the kernel, so another process can take one in
 * between; the kernel then reports "Address already in use" (ipykernel dies of it). Such
 * a launch is ended at that line and relaunched with fresh ports, a bounded number of
 * times, with one warning each (the dead kernel's own output goes to debug).
 */
import { EventEmitter } from "node:events";
import { mkdir, unlink } from "node:fs/promises";
import { loggerFrom, type Level, type Logger } from "../log/logger.js";
import { describeEnding, type ChildExit } from "../process/exit.js";
import { signalGroup } from "../process/groups.js";
import { spawnLoggedChild, type LoggedChild } from "../process/logged-child.js";
import { noTracking, type ProcessGroupTracker } from "../process/tracker.js";
import { connectionFilePath } from "../runtime/connection-files.js";
import { BUILTIN_KERNEL_NAME } from "./builtin-spec.js";
import type { KernelClient } from "./client.js";
import { newConnectionInfo, writeConnectionFile, type PortPicker } from "./connection.js";
import { kernelArgv, kernelSpecEnv, resolveKernelSpec, type KernelSpec } from "./kernelspec.js";
import type { KernelInfoReplyContent } from "./messages.js";

export interface LaunchKernelOptions {
  /** The kernel block's name in jaffle.hcl; names the connection file and log source. */
  name: string;
  /** An installed kernelspec; absent → the built-in Node.js kernel. */
  kernelName?: string;
  runtimeDir: string;
  cwd: string;
  /** Names of variables to pass from jaffle's environment (`*` matches any run of characters). */
  passEnv: string[];
  /** Variables to set (win over everything else). */
  env: Record<string, string>;
  logger: Logger;
  tracker?: ProcessGroupTracker;
  /** Until the first kernel_info_reply; default 60 s (a cold Python start on a loaded machine). */
  startupTimeoutMs?: number;
  /** Chooses the kernel's five ports (default: free ports from the OS); a test's seam. */
  pickPorts?: PortPicker;
}

/** Launches whose ports were taken before the kernel bound them, before giving up. */
export const PORT_COLLISION_ATTEMPTS = 4;

/** What a kernel says when a port it was given is taken (ZeroMQ's strerror, Node's code). */
const PORT_TAKEN = /Address already in use|EADDRINUSE/;

/** A launch failed because a port it chose was taken before the kernel bound it. */
class PortCollision extends Error {}

export type KernelExit = ChildExit;

/**
 * What every kernel gets without asking, because it cannot run well without it: the
 * program search path, home, locale and temp dir. The Node kernel also gets NODE_OPTIONS
 * and NODE_PATH (module resolution and loader flags the user set for their project).
 * Everything else (credentials, tokens, proxies...) must be listed in `pass_env`.
 */
const ALWAYS_PASSED = ["PATH", "HOME", "LANG", "LANGUAGE", "LC_*", "TMPDIR", "TZ", "USER", "LOGNAME", "SHELL", "TERM"];
const NODE_KERNEL_PASSED = ["NODE_OPTIONS", "NODE_PATH"];

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** The kernel's environment: defaults, then pass_env, then the spec's env, then the config's env. */
export function kernelEnvironment(
  spec: KernelSpec,
  passEnv: string[],
  env: Record<string, string>,
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const patterns = [...ALWAYS_PASSED, ...(spec.name === BUILTIN_KERNEL_NAME ? NODE_KERNEL_PASSED : []), ...passEnv].map(
    globToRegExp,
  );
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && patterns.some((pattern) => pattern.test(key))) out[key] = value;
  }
  // ipykernel's debugger (pydevd) warns about frozen modules on every start of a Python
  // 3.11 kernel; the warning is noise in a log stream. The config's env can still set it.
  if (spec.language === "python") out.PYDEVD_DISABLE_FILE_VALIDATION = "1";
  Object.assign(out, kernelSpecEnv(spec, out), env);
  // ipykernel (and our Node kernel) exit by themselves when this process is gone.
  out.JPY_PARENT_PID = String(process.pid);
  return out;
}

type RunningKernelEvents = {
  /** The process died without being asked to. */
  exit: [exit: KernelExit];
  /** The client declared the kernel dead (process gone or heartbeat lost). */
  dead: [reason: string];
};

/** Keeps the last lines a kernel wrote to stderr, for start-up failure messages. */
class LineTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 20) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  find(pattern: RegExp): string | undefined {
    return this.lines.find((line) => pattern.test(line))?.trim();
  }
  toString(): string {
    return this.lines.length === 0 ? "(no output on stderr)" : this.lines.join("\n");
  }
}

/** Start-up output held back at most; past it, lines are logged as they come. */
const MAX_HELD_LINES = 500;

/**
 * A starting kernel's output, held until the launch is decided: a launch that is retried
 * (a port was taken) logs its kernel's traceback at debug, not as the run's warnings.
 */
class StartupLog {
  #held: [Level, string][] | undefined = [];
  readonly logger: Logger;

  constructor(private readonly target: Logger) {
    this.logger = loggerFrom(target.name, (level, message) => {
      if (this.#held && this.#held.length < MAX_HELD_LINES) this.#held.push([level, message]);
      else {
        this.release();
        target.log(level, message);
      }
    });
  }

  /** Logs what was held, in order, and passes lines straight through from now on. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const [level, message] of held) this.target.log(level, message);
  }

  /** Logs what was held at debug only (a launch that is retried), then passes lines through. */
  demote(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const [, message] of held) this.target.debug(message);
  }
}

/** What a kernel leaves in its group after it exited gets this long after SIGTERM. */
const LEFTOVER_TIMEOUT_MS = 2000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class RunningKernel extends EventEmitter<RunningKernelEvents> {
  readonly language: string;
  readonly info: KernelInfoReplyContent;
  /** Resolves once the kernel's group is gone and all its output is logged. */
  readonly exited: Promise<KernelExit>;
  private stopping?: Promise<void>;
  private hasExited = false;
  private cleanedUp = false;

  constructor(
    readonly name: string,
    readonly spec: KernelSpec,
    readonly connectionFile: string,
    private readonly child: LoggedChild,
    readonly client: KernelClient,
    private readonly logger: Logger,
  ) {
    super();
    this.info = client.info;
    this.language = spec.language || client.info.language_info.name;
    this.exited = child.exited;
    client.on("dead", (reason) => this.emit("dead", reason));
    void child.leaderExited.then((exit) => this.onExit(exit));
  }

  /** The kernel's pid, which is also its process group id. */
  get pid(): number {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.hasExited;
  }

  /** For a kernel that stopped answering while its process lives on: SIGKILL to its group. */
  killWedged(): void {
    signalGroup(this.pid, "SIGKILL");
  }

  private onExit(exit: KernelExit): void {
    this.hasExited = true;
    if (this.stopping) return;
    this.logger.error(`kernel ${describeEnding(exit)}`);
    this.client.markDead(`kernel process ${describeEnding(exit)}`);
    // Whatever the kernel started is orphaned now; end it with the kernel.
    signalGroup(this.pid, "SIGKILL");
    void this.cleanUp();
    this.emit("exit", exit);
  }

  /**
   * shutdown_request, then SIGTERM to the group if it has not exited within `timeoutMs`,
   * then SIGKILL; finally the connection file is removed (the group is untracked once it
   * is gone). Idempotent: concurrent calls share one shutdown.
   */
  shutdown(timeoutMs = 5000): Promise<void> {
    this.stopping ??= this.stop(timeoutMs);
    return this.stopping;
  }

  private async waitForExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.child.leaderExited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return exited;
  }

  private async stop(timeoutMs: number): Promise<void> {
    if (!this.hasExited && this.client.alive) {
      try {
        await this.client.shutdown({ timeoutMs });
      } catch (error) {
        this.logger.debug(`shutdown_request failed: ${(error as Error).message}`);
      }
    }
    this.client.close();
    if (!(await this.waitForExit(timeoutMs))) {
      this.logger.warning(`kernel did not exit within ${timeoutMs} ms of shutdown_request; sending SIGTERM`);
      signalGroup(this.pid, "SIGTERM");
      if (!(await this.waitForExit(timeoutMs))) {
        this.logger.warning(`kernel ignored SIGTERM; sending SIGKILL`);
        signalGroup(this.pid, "SIGKILL");
      }
    }
    // The leader is gone; the logged child ends what it left in its group.
    await this.child.exited;
    await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    await unlink(this.connectionFile).catch(() => undefined);
  }
}

export async function launchKernel(options: LaunchKernelOptions): Promise<RunningKernel> {
  const spec = resolveKernelSpec(options.kernelName);
  // Created private when missing; an existing directory's mode is its owner's business
  // (the runtime directory checks it under `jaffle start`; the file itself is 0600).
  await mkdir(options.runtimeDir, { recursive: true, mode: 0o700 });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await launchOnce(options, spec);
    } catch (error) {
      if (!(error instanceof PortCollision)) throw error;
      if (attempt >= PORT_COLLISION_ATTEMPTS) {
        throw new Error(
          `kernel ${options.name}: the ports chosen for it were taken before it could bind them, ${attempt} times in a row (${error.message})`,
          { cause: error },
        );
      }
      options.logger.warning(
        `a port chosen for the kernel was taken before it could bind it (${error.message}); relaunching with fresh ports (attempt ${attempt + 1} of ${PORT_COLLISION_ATTEMPTS})`,
      );
    }
  }
}

async function launchOnce(options: LaunchKernelOptions, spec: KernelSpec): Promise<RunningKernel> {
  const { name, logger } = options;
  const tracker = options.tracker ?? noTracking;
  const connectionFile = connectionFilePath(options.runtimeDir, name);
  const info = await newConnectionInfo(spec.name, options.pickPorts);
  await writeConnectionFile(connectionFile, info);

  const argv = kernelArgv(spec, connectionFile);
  const stderrTail = new LineTail();
  const startupLog = new StartupLog(logger);
  const abort = new AbortController();
  /** The kernel's line saying a port is taken, if it wrote one while starting. */
  let portTaken: string | undefined;
  let starting = true;
  const onStderrLine = (line: string) => {
    stderrTail.push(line);
    if (starting && portTaken === undefined && PORT_TAKEN.test(line)) {
      portTaken = line.trim();
      // A kernel may live on without the socket (ipykernel's heartbeat thread dies alone).
      abort.abort(new Error("a port was taken"));
    }
  };
  let child: LoggedChild;
  const spawnedAt = performance.now();
  try {
    child = await spawnLoggedChild({
      argv,
      cwd: options.cwd,
      env: kernelEnvironment(spec, options.passEnv, options.env),
      tty: false,
      label: `kernel ${name}`,
      logger: startupLog.logger,
      tracker,
      onStderrLine,
      leftoverTimeoutMs: LEFTOVER_TIMEOUT_MS,
    });
  } catch (error) {
    await unlink(connectionFile).catch(() => undefined);
    throw new Error(`kernel ${name}: cannot start ${argv[0]}: ${(error as Error).message}`, { cause: error });
  }
  const pid = child.pid;
  logger.debug(`started ${spec.name} kernel (pid ${pid}): ${argv.join(" ")}`);

  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  let exitBeforeReady: KernelExit | undefined;
  void child.leaderExited.then((exit) => {
    exitBeforeReady = exit;
    abort.abort(new Error("kernel exited"));
  });
  let client: KernelClient;
  try {
    // Loaded after the spawn, while the kernel boots: the client's modules (zeromq among
    // them) are not on the way to the kernel's start.
    const { KernelClient } = await import("./client.js");
    client = await KernelClient.connect(info, {
      logger,
      interruptMode: spec.interrupt_mode ?? "signal",
      pid,
      readyTimeoutMs: startupTimeoutMs,
      signal: abort.signal,
    });
    starting = false;
  } catch (error) {
    starting = false;
    const exitedFirst = exitBeforeReady;
    signalGroup(pid, "SIGKILL");
    // Resolves once the group is gone and its last stderr lines are in the tail.
    await Promise.race([child.exited, delay(10_000)]);
    await unlink(connectionFile).catch(() => undefined);
    // The line may be among the last ones, read after the exit: the tail has them now.
    portTaken ??= stderrTail.find(PORT_TAKEN);
    if (portTaken !== undefined) {
      startupLog.demote();
      throw new PortCollision(portTaken, { cause: error });
    }
    startupLog.release();
    const why = exitedFirst
      ? `${describeEnding(exitedFirst)} before answering kernel_info`
      : `did not answer kernel_info within ${startupTimeoutMs} ms (${(error as Error).message})`;
    throw new Error(`kernel ${name} (${spec.name}: ${argv[0]}) ${why}; its stderr:\n${stderrTail}`, { cause: error });
  }
  startupLog.release();
  logger.info(
    `kernel ready: ${client.info.implementation} ${client.info.implementation_version} (${spec.display_name}), ` +
      `kernel_info answered ${(performance.now() - spawnedAt).toFixed(0)} ms after spawn`,
  );
  return new RunningKernel(name, spec, connectionFile, child, client, logger);
}
