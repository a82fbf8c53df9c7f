/**
 * Starts a kernel from its kernelspec and hands back a connected client.
 *
 * Each kernel runs as the leader of its own process group (so an interrupt or a kill
 * reaches everything it started), with a connection file `<runtimeDir>/kernel-<name>.json`
 * (0600 in a 0700 directory), sockets on 127.0.0.1, and only the environment the config
 * grants. Its stdout/stderr become log lines. The launch succeeds once the kernel
 * answers kernel_info; it fails with the kernel's last stderr lines if the process
 * exits first or the start-up timeout passes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { chmod, mkdir, unlink } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Logger } from "../log/logger.js";
import { noTracking, type ProcessGroupTracker } from "../process/tracker.js";
import { connectionFilePath } from "../runtime/connection-files.js";
import { BUILTIN_KERNEL_NAME } from "./builtin-spec.js";
import { KernelClient } from "./client.js";
import { newConnectionInfo, writeConnectionFile } from "./connection.js";
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
}

export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

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
  toString(): string {
    return this.lines.length === 0 ? "(no output on stderr)" : this.lines.join("\n");
  }
}

function describeExit(exit: KernelExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Sends a signal to a whole process group; false when no process of the group is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class RunningKernel extends EventEmitter<RunningKernelEvents> {
  readonly language: string;
  readonly info: KernelInfoReplyContent;
  readonly exited: Promise<KernelExit>;
  private stopping?: Promise<void>;
  private hasExited = false;
  private cleanedUp = false;

  constructor(
    readonly name: string,
    readonly spec: KernelSpec,
    readonly connectionFile: string,
    readonly pid: number,
    readonly client: KernelClient,
    private readonly child: ChildProcess,
    exited: Promise<KernelExit>,
    private readonly logger: Logger,
    private readonly tracker: ProcessGroupTracker,
  ) {
    super();
    this.info = client.info;
    this.language = spec.language || client.info.language_info.name;
    this.exited = exited;
    client.on("dead", (reason) => this.emit("dead", reason));
    void exited.then((exit) => this.onExit(exit));
  }

  get running(): boolean {
    return !this.hasExited;
  }

  private onExit(exit: KernelExit): void {
    this.hasExited = true;
    if (this.stopping) return;
    this.logger.error(`kernel ${describeExit(exit)}`);
    this.client.markDead(`kernel process ${describeExit(exit)}`);
    // Whatever the kernel started is orphaned now; end it with the kernel.
    signalGroup(this.pid, "SIGKILL");
    void this.cleanUp();
    this.emit("exit", exit);
  }

  /**
   * shutdown_request, then SIGTERM to the group if it has not exited within `timeoutMs`,
   * then SIGKILL; finally the connection file is removed and the group untracked.
   * Idempotent: concurrent calls share one shutdown.
   */
  shutdown(timeoutMs = 5000): Promise<void> {
    this.stopping ??= this.stop(timeoutMs);
    return this.stopping;
  }

  private async waitForExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.exited.then(() => true),
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
        await this.exited;
      }
    }
    // The leader is gone; anything else it left in its group goes too.
    if (signalGroup(this.pid, "SIGTERM")) {
      for (let waited = 0; waited < 2000 && signalGroup(this.pid, 0); waited += 50) await delay(50);
      signalGroup(this.pid, "SIGKILL");
    }
    await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    await unlink(this.connectionFile).catch(() => undefined);
    this.tracker.untrack(this.pid);
  }
}

export async function launchKernel(options: LaunchKernelOptions): Promise<RunningKernel> {
  const { name, logger } = options;
  const tracker = options.tracker ?? noTracking;
  const spec = resolveKernelSpec(options.kernelName);
  await mkdir(options.runtimeDir, { recursive: true, mode: 0o700 });
  // The runtime directory is jaffle's own: make sure it is private even if it existed.
  await chmod(options.runtimeDir, 0o700);
  const connectionFile = connectionFilePath(options.runtimeDir, name);
  const info = await newConnectionInfo(spec.name);
  await writeConnectionFile(connectionFile, info);

  const [command, ...args] = kernelArgv(spec, connectionFile);
  const child = spawn(command!, args, {
    cwd: options.cwd,
    env: kernelEnvironment(spec, options.passEnv, options.env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<KernelExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error));
  });
  if (spawned || child.pid === undefined) {
    await unlink(connectionFile).catch(() => undefined);
    throw new Error(`kernel ${name}: cannot start ${command}: ${spawned?.message ?? "no pid"}`);
  }
  const pid = child.pid;
  tracker.track(pid, `kernel ${name}`);
  logger.debug(`started ${spec.name} kernel (pid ${pid}): ${[command, ...args].join(" ")}`);

  const stderrTail = new LineTail();
  createInterface({ input: child.stdout! }).on("line", (line) => logger.info(line));
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderrTail.push(line);
    logger.warning(line);
  });

  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  const abort = new AbortController();
  let exitBeforeReady: KernelExit | undefined;
  void exited.then((exit) => {
    exitBeforeReady = exit;
    abort.abort(new Error("kernel exited"));
  });
  let client: KernelClient;
  try {
    client = await KernelClient.connect(info, {
      logger,
      interruptMode: spec.interrupt_mode ?? "signal",
      pid,
      readyTimeoutMs: startupTimeoutMs,
      signal: abort.signal,
    });
  } catch (error) {
    const exitedFirst = exitBeforeReady;
    signalGroup(pid, "SIGKILL");
    await exited;
    // Let the last stderr lines drain into the tail before quoting it.
    await Promise.race([closed, delay(1000)]);
    await unlink(connectionFile).catch(() => undefined);
    tracker.untrack(pid);
    const why = exitedFirst
      ? `${describeExit(exitedFirst)} before answering kernel_info`
      : `did not answer kernel_info within ${startupTimeoutMs} ms (${(error as Error).message})`;
    throw new Error(`kernel ${name} (${spec.name}: ${command}) ${why}; its stderr:\n${stderrTail}`, { cause: error });
  }
  logger.info(
    `kernel ready: ${client.info.implementation} ${client.info.implementation_version} (${spec.display_name})`,
  );
  return new RunningKernel(name, spec, connectionFile, pid, client, child, exited, logger, tracker);
}
