/**
 * The supervisor behind `jaffle start`: starts every kernel, then every enabled app in
 * its kernel (in file order), then every enabled process; blocks with `depends_on` wait
 * until their dependencies are ready; decides when the run is ready; brings dead
 * kernels back with their apps; restarts single blocks and applies reloads on request;
 * and shuts everything down, dependants before what they depend on.
 *
 * It owns no process handling or protocol of its own: kernels come from the launcher,
 * processes and jobs from src/process, apps from the registry. What it adds is order,
 * readiness, restarts of kernels, the status file, and a shutdown that leaves nothing.
 *
 * Every failure (a kernel, app or process that failed, a check that did not pass) is
 * announced as it happens (`onFailure`), so `--exit-when-ready` ends at the first one;
 * a long run goes on, and the failed app's state says why until a retry works.
 */
import type { AppConstructor, AppContext, JaffleApp, JobOutcome } from "../apps/api.js";
import type {
  AppConfig,
  JaffleConfig,
  KernelConfig,
  LoggerConfig,
  ProcessConfig,
  ReadinessCheck,
} from "../config/types.js";
import type { LogHub } from "../log/hub.js";
import { loggerFrom, type Level, type Logger } from "../log/logger.js";
import { waitForGroupsExit } from "../process/groups.js";
import { JobRunner } from "../process/job-runner.js";
import { ManagedProcess } from "../process/managed-process.js";
import type { ProcessGroupTracker } from "../process/tracker.js";
import type { StatusBook } from "../runtime/status-book.js";
import { AppSlot, errorText, withTimeout } from "./app-slot.js";
import { describeDiff, diffConfigs, type BlockKind } from "./config-diff.js";
import type { AppState } from "./app-state.js";
import { GroupRegistry } from "./group-registry.js";
import { isRemoteKernel, KernelSlot, recordRemoteKernelStatus, type KernelSlotOptions } from "./kernel-slot.js";
import type { ChildControl } from "../process/logged-child.js";
import { LogLineWatch, NotReadyError, waitForCheck } from "./readiness.js";
import { NotStartedError, ReadyBook } from "./ready-book.js";

export interface SupervisorOptions {
  config: JaffleConfig;
  projectDir: string;
  runtimeDir: string;
  hub: LogHub;
  /** The supervisor's own logger (`jaffle`). */
  logger: Logger;
  /** Usually the Reaper; every group started is reported to it. */
  tracker: ProcessGroupTracker;
  status: StatusBook;
  /** How long the run may take to become ready (and each check without its own timeout). */
  readyTimeoutMs: number;
  resolveAppClass: (className: string, projectDir: string, kernelLanguage: string) => Promise<AppConstructor>;
  /** How kernels are launched (default: launchSlotKernel); unit tests pass a fake kernel. */
  launchKernel?: KernelSlotOptions["launch"];
  /** How processes and jobs start and end children (default: real process groups); unit tests pass fakes. */
  children?: ChildControl;
}

export type ReadyReport =
  | { ready: true; ms: number }
  | {
      ready: false;
      ms: number;
      /** One line each: what failed or did not get ready in time. */
      failures: string[];
    };

/** How long one app's `stop()` may take at shutdown. */
const APP_STOP_TIMEOUT_MS = 5_000;
/** shutdown_request to signals for kernels. */
const KERNEL_SHUTDOWN_TIMEOUT_MS = 5_000;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A block a reload's diff named in the new configuration. The diff was made from that
 * configuration, so a miss is a bug in the diff, said as such instead of surfacing later
 * as a property read of undefined.
 */
function blockNamed<Block>(blocks: Record<string, Block>, name: string): Block {
  const block = blocks[name];
  if (block === undefined) throw new Error(`reload: the new configuration has no block named "${name}"`);
  return block;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A source's logger whose rules a reload can swap without the source noticing. */
interface SwappableLogger {
  logger: Logger;
  swap(rules: LoggerConfig | undefined): void;
}

export class Supervisor {
  readonly groups: GroupRegistry;
  readonly #options: SupervisorOptions;
  /** The configuration in force: the one started with, then each applied reload's. */
  #config: JaffleConfig;
  readonly #kernels = new Map<string, KernelSlot>();
  readonly #apps = new Map<string, AppSlot>();
  readonly #processes = new Map<string, ManagedProcess>();
  readonly #jobs = new Map<string, JobRunner>();
  readonly #loggers = new Map<string, SwappableLogger>();
  /** Log-line readiness checks by source name, fed by the source's logger from the very start. */
  readonly #logWatches = new Map<string, LogLineWatch>();
  /** Whether each app and process is ready: what depends_on and restart wait for. */
  readonly #ready = new ReadyBook();
  readonly #abort = new AbortController();
  /** Restarts and reloads run one at a time, in the order asked. */
  #changes: Promise<unknown> = Promise.resolve();
  #shutdown: Promise<void> | undefined;
  readonly #failureListeners: ((line: string) => void)[] = [];

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#config = options.config;
    this.groups = new GroupRegistry(options.tracker);
    const { config } = options;
    for (const [name, kernel] of Object.entries(config.kernel)) this.#addKernel(name, kernel);
    for (const [name, app] of Object.entries(config.app)) if (!app.disabled) this.#addApp(name, app);
    for (const [name, job] of Object.entries(config.job)) this.#addJob(name, job);
    for (const [name, proc] of Object.entries(config.process)) if (!proc.disabled) this.#addProcess(name, proc);
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get stopping(): boolean {
    return this.#shutdown !== undefined;
  }

  // ------------------------------------------------------------------ blocks

  #addKernel(name: string, config: KernelConfig): KernelSlot {
    const { hub, projectDir, runtimeDir, readyTimeoutMs } = this.#options;
    const slot = new KernelSlot(name, config, {
      runtimeDir,
      projectDir,
      logger: hub.logger(name),
      tracker: this.groups,
      startupTimeoutMs: readyTimeoutMs,
      gateway: this.#config.gateway,
      launch: this.#options.launchKernel,
    });
    slot.on("changed", () => this.#recordKernel(slot, slot.kernel ? "running" : "restarting"));
    slot.on("restarted", () => void this.#recreateApps(slot));
    slot.on("gave-up", (reason) => {
      this.#recordKernel(slot, "failed", reason);
      this.#failed(`kernel ${slot.name} failed: ${reason}`);
      void this.#dropApps(slot);
    });
    this.#kernels.set(name, slot);
    return slot;
  }

  #addApp(name: string, config: AppConfig): AppSlot {
    const kernel = this.#kernels.get(config.kernel);
    if (!kernel) throw new Error(`app ${name}: no kernel named "${config.kernel}"`);
    const { projectDir, resolveAppClass } = this.#options;
    const logger = this.#sourceLogger(name, config.logger, config.ready);
    const slot = new AppSlot(name, config, logger, kernel.host, {
      projectDir,
      resolveClass: (className, language) => resolveAppClass(className, projectDir, language),
      context: (appSlot, view) => this.#context(appSlot, view),
    });
    slot.on("state", (state) => {
      // An app a reload replaced must not overwrite its successor's entry.
      if (this.#apps.get(name) === slot) this.#recordApp(slot, state);
    });
    this.#apps.set(name, slot);
    return slot;
  }

  #addJob(name: string, config: JaffleConfig["job"][string]): void {
    const { projectDir, children } = this.#options;
    const logger = this.#sourceLogger(name, config.logger, undefined);
    this.#jobs.set(name, new JobRunner({ name, config, projectDir, logger, tracker: this.groups, children }));
  }

  #addProcess(name: string, config: ProcessConfig): ManagedProcess {
    const { projectDir, children } = this.#options;
    const managed = new ManagedProcess({
      name,
      config,
      projectDir,
      logger: this.#sourceLogger(name, config.logger, config.ready),
      tracker: this.groups,
      children,
    });
    const record = () => {
      // A process a reload replaced must not overwrite its successor's entry.
      if (this.#processes.get(name) !== managed) return;
      this.#recordProcess(name, managed);
    };
    managed.on("spawn", record);
    managed.on("restart", record);
    // The state is settled after the "exit" event's listeners ran.
    managed.on("exit", () => setImmediate(record));
    managed.on("gave-up", record);
    this.#processes.set(name, managed);
    return managed;
  }

  /**
   * The logger of one source. With a `log_regex` check, it also feeds the check, with
   * each line as the source wrote it: before level threshold, suppress and replace
   * rules, so that `--log-level warning` or a suppress rule cannot make a run never
   * ready. Debug lines are jaffle's own notes about the source ("started (pid …)"), not
   * its output. The check is looked up per line: a restart starts a fresh one.
   */
  #sourceLogger(source: string, rules: LoggerConfig | undefined, check: ReadinessCheck | undefined): Logger {
    const { hub } = this.#options;
    if (check?.log_regex !== undefined) this.#logWatches.set(source, new LogLineWatch(check.log_regex));
    else this.#logWatches.delete(source);
    let current = hub.logger(source, rules);
    const log = (level: Level, message: string) => {
      const watch = this.#logWatches.get(source);
      if (watch && level !== "debug") for (const line of message.split("\n")) watch.feed(line);
      current.log(level, message);
    };
    const swappable: SwappableLogger = {
      logger: loggerFrom(current.name, log),
      swap: (next) => {
        current = hub.logger(source, next);
      },
    };
    this.#loggers.set(source, swappable);
    return swappable.logger;
  }

  /** A fresh log-line check for a source that starts again (its old lines do not count). */
  #resetLogWatch(source: string, check: ReadinessCheck | undefined): void {
    if (check?.log_regex !== undefined) this.#logWatches.set(source, new LogLineWatch(check.log_regex));
  }

  #context(slot: AppSlot, kernel: AppContext["kernel"]): AppContext {
    return {
      name: slot.name,
      config: slot.config,
      options: slot.config.options,
      logger: slot.logger,
      kernel,
      projectDir: this.#options.projectDir,
      runtimeDir: this.#options.runtimeDir,
      runJob: (name) => this.runJob(name),
      app: (name) => this.app(name),
      signal: this.#abort.signal,
    };
  }

  /** Runs a job block (see JobRunner: a second trigger while it runs is queued once). */
  runJob(name: string): Promise<JobOutcome> {
    const job = this.#jobs.get(name);
    if (!job) return Promise.reject(new Error(`no job named "${name}"`));
    return job.run();
  }

  /**
   * The live instance of an app of this run, as other apps see it: watchdog events go
   * through its slot (which keeps its state and retries a failed app).
   */
  app(name: string): JaffleApp | undefined {
    return this.#apps.get(name)?.routable;
  }

  /** The state of each app, by name. */
  appStates(): Map<string, AppState> {
    return new Map([...this.#apps].map(([name, slot]) => [name, slot.state]));
  }

  /** `listener` hears every failure from now on, one line each (`app api failed: ...`). */
  onFailure(listener: (line: string) => void): void {
    this.#failureListeners.push(listener);
  }

  #failed(line: string): void {
    if (this.stopping) return;
    for (const listener of this.#failureListeners) listener(line);
  }

  /** Writes the status file now (write, fsync, rename), pending changes included. */
  flushStatus(): void {
    this.#options.status.flush();
  }

  #recordKernel(slot: KernelSlot, state: "running" | "restarting" | "failed" | "stopped", reason?: string): void {
    const previous = this.#options.status.snapshot.kernels[slot.name];
    if (this.#kernels.get(slot.name) !== slot) return;
    const kernel = slot.kernel;
    if (isRemoteKernel(kernel)) {
      // A kernel on a Jupyter server: no pid or connection file here (issue 15).
      recordRemoteKernelStatus(this.#options.status, slot.name, kernel, slot.restarts);
      return;
    }
    const connectionFile = kernel?.connectionFile ?? previous?.connectionFile;
    const pid = kernel?.pid ?? previous?.pid;
    // A kernel that never launched has no pid or connection file to show.
    if (connectionFile === undefined || pid === undefined) return;
    this.#options.status.setKernel(slot.name, {
      state,
      ...(reason !== undefined ? { reason } : {}),
      connectionFile,
      pid,
      language: kernel?.language ?? previous?.language ?? slot.host.language,
      restarts: slot.restarts,
    });
  }

  #recordApp(slot: AppSlot, state: AppState): void {
    this.#options.status.setApp(slot.name, {
      kernel: slot.config.kernel,
      class: slot.config.class,
      state: state.name,
      ...(state.name === "failed" ? { reason: state.reason } : {}),
      since: state.since.toISOString(),
    });
  }

  #recordProcess(name: string, managed: ManagedProcess): void {
    const startedAt = managed.startedAt;
    this.#options.status.setProcess(name, {
      pid: managed.pid ?? null,
      state: managed.state,
      restarts: managed.restarts,
      startedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
    });
  }

  // ------------------------------------------------------------------ start

  /**
   * Starts everything and resolves once the run is ready, or once it is clear that it
   * will not be (a failure, or the ready timeout). Failures are logged as they happen;
   * the run goes on either way.
   */
  async start(): Promise<ReadyReport> {
    const { logger } = this.#options;
    const failures: string[] = [];
    const outcomes: Promise<void>[] = [];
    const fail = (what: string) => {
      if (this.stopping) return;
      failures.push(what);
      logger.error(what);
      this.#failed(what);
    };
    // Every app is in the status file from the start, as `starting`.
    for (const slot of this.#apps.values()) this.#recordApp(slot, slot.state);

    // Kernels in parallel: a Python kernel's start-up is the slowest step of a start.
    const failedKernels = new Set<string>();
    await Promise.all(
      [...this.#kernels.values()].map(async (slot) => {
        try {
          await slot.start();
        } catch (error) {
          failedKernels.add(slot.name);
          fail(`kernel ${slot.name} failed: ${errorText(error)}`);
        }
      }),
    );

    // Apps one after another, in file order: a later app may use what an earlier one set
    // up. An app with depends_on waits aside, so it holds up neither the others nor the
    // processes it may depend on.
    for (const slot of this.#apps.values()) {
      if (this.stopping) break;
      if (failedKernels.has(slot.config.kernel)) {
        slot.markStopped();
        const why = `app ${slot.name} not started: its kernel ${slot.config.kernel} did not start`;
        this.#ready.fail(slot.name, why);
        fail(why);
        continue;
      }
      if (slot.config.depends_on.length > 0) {
        outcomes.push(
          this.#settle(
            slot.name,
            this.#afterDependencies(slot.name, slot.config.depends_on, () => this.#appUp(slot).up),
            fail,
          ),
        );
        continue;
      }
      const { created, up } = this.#appUp(slot);
      outcomes.push(this.#settle(slot.name, up, fail));
      await created.catch(() => undefined);
    }

    for (const [name, managed] of this.#processes) {
      if (this.stopping) break;
      const deps = managed.config.depends_on;
      if (deps.length > 0) {
        outcomes.push(
          this.#settle(
            name,
            this.#afterDependencies(name, deps, () => this.#processUp(name, managed).up),
            fail,
          ),
        );
        continue;
      }
      const { spawned, up } = this.#processUp(name, managed);
      outcomes.push(this.#settle(name, up, fail));
      await spawned.catch(() => undefined);
    }

    await Promise.all(outcomes);
    const ms = performance.now();
    if (this.stopping) return { ready: false, ms, failures: ["shutdown began before the run was ready"] };
    // The status file is the truth: on disk before anyone reads the line below.
    this.flushStatus();
    if (failures.length > 0) {
      logger.error(`not ready after ${seconds(ms)}: ${failures.length} problem${failures.length === 1 ? "" : "s"}`);
      return { ready: false, ms, failures };
    }
    logger.info(
      `ready in ${seconds(ms)}: ${plural(this.#kernels.size, "kernel")}, ${plural(this.#apps.size, "app")}, ` +
        plural(this.#processes.size, "process", "processes"),
    );
    return { ready: true, ms };
  }

  /** Records how a block's start ended in the ready book; a failure goes to `fail`, never rejects. */
  #settle(name: string, up: Promise<void>, fail: (what: string) => void): Promise<void> {
    return up.then(
      () => this.#ready.ready(name),
      (error: unknown) => {
        const reason = errorText(error);
        this.#ready.fail(name, reason);
        const proc = this.#processes.get(name);
        if (proc && proc.pid === undefined) this.#recordProcess(name, proc);
        fail(reason);
      },
    );
  }

  /**
   * Waits for every dependency to be ready, then runs `start`. A dependency that failed
   * (or is disabled) fails this block with the reason, and it is not started at all.
   */
  async #afterDependencies(name: string, deps: string[], start: () => Promise<void>): Promise<void> {
    for (const dep of deps) {
      if (!this.#apps.has(dep) && !this.#processes.has(dep)) {
        throw new NotStartedError(name, `${name} not started: it depends on ${dep}, which is disabled`);
      }
    }
    try {
      await Promise.all(deps.map((dep) => this.#ready.whenReady(dep)));
    } catch (error) {
      const dep = error instanceof NotStartedError ? error.block : "a dependency";
      throw new NotStartedError(name, `${name} not started: its dependency ${dep} failed: ${errorText(error)}`);
    }
    if (this.stopping) throw new NotStartedError(name, `${name} not started: jaffle is shutting down`);
    this.#options.logger.debug(`${name}: dependencies ready (${deps.join(", ")}), starting`);
    await start();
  }

  /** Creates an app: `created` settles with the creation, `up` once its checks passed too. */
  #appUp(slot: AppSlot): { created: Promise<void>; up: Promise<void> } {
    const created = withTimeout(slot.create(), this.#options.readyTimeoutMs, `app ${slot.name}: start`);
    const up = created.then(() => {
      this.#options.logger.debug(`app ${slot.name} started in kernel ${slot.config.kernel}`);
      return this.#appChecks(slot);
    });
    return { created, up };
  }

  /** The app's `ready` block and the readiness it declares itself, both waited for. */
  async #appChecks(slot: AppSlot): Promise<void> {
    const checks: Promise<void>[] = [];
    if (slot.config.ready) checks.push(this.#check(`app ${slot.name}`, slot.name, slot.config.ready));
    const declared = slot.instance?.readiness;
    if (declared) checks.push(this.#check(`app ${slot.name}`, slot.name, declared));
    await Promise.all(checks);
  }

  /** Waits for a declared readiness check of `source`. */
  async #check(what: string, source: string, check: ReadinessCheck): Promise<void> {
    const timeoutMs = check.timeout !== undefined ? check.timeout * 1000 : this.#options.readyTimeoutMs;
    try {
      await waitForCheck(check, this.#logWatches.get(source), timeoutMs, this.#abort.signal);
    } catch (error) {
      const why = error instanceof NotReadyError ? error.what : errorText(error);
      throw new Error(`${what} not ready within ${timeoutMs / 1000} s: ${why}`, { cause: error });
    }
    this.#options.logger.debug(`${what} passed its readiness check`);
  }

  /**
   * Starts a process: `spawned` settles with the spawn, `up` once it runs and its check
   * (if any) passed. A process that fails for good first (exits non-zero without
   * restart, or gives up restarting) ends the wait at once instead of letting it run
   * into the timeout.
   */
  #processUp(name: string, managed: ManagedProcess): { spawned: Promise<void>; up: Promise<void> } {
    const check = this.#config.process[name]?.ready;
    const spawned = managed.start().catch((error: unknown) => {
      throw new Error(`process ${name} did not start: ${errorText(error)}`, { cause: error });
    });
    let unlisten = () => {};
    const running = new Promise<void>((resolve, reject) => {
      const failed = () => reject(new Error(`process ${name} failed before it was ready (${managed.state})`));
      const onExit = () =>
        setImmediate(() => {
          if (managed.state === "failed") failed();
          // A one-shot command (a build step) that finished fine is not a failure.
          else if (managed.state === "exited" && !check) resolve();
        });
      managed.on("exit", onExit);
      managed.on("gave-up", failed);
      unlisten = () => {
        managed.off("exit", onExit);
        managed.off("gave-up", failed);
      };
      (check ? this.#check(`process ${name}`, name, check) : Promise.resolve()).then(resolve, reject);
    });
    const up = spawned.then(() => running).finally(() => unlisten());
    // Without a spawn there is no wait: end it so no check keeps polling.
    spawned.catch(() => unlisten());
    running.catch(() => undefined);
    return { spawned, up };
  }

  async #recreateApps(slot: KernelSlot): Promise<void> {
    for (const app of this.#apps.values()) {
      if (app.config.kernel !== slot.name || this.stopping) continue;
      await app.discard(2_000);
      try {
        await withTimeout(app.create(), this.#options.readyTimeoutMs, `app ${app.name}: start`);
        app.logger.info(`created again in the new kernel ${slot.name}`);
      } catch (error) {
        // The slot logged the report and is `failed`; the next watchdog event retries.
        this.#failed(errorText(error));
      }
    }
  }

  async #dropApps(slot: KernelSlot): Promise<void> {
    for (const app of this.#apps.values()) {
      if (app.config.kernel !== slot.name) continue;
      await app.discard(2_000);
      app.markStopped();
      app.logger.error(`stopped: its kernel ${slot.name} is gone`);
      this.#ready.fail(app.name, `app ${app.name} stopped: its kernel ${slot.name} is gone`);
    }
  }

  // ------------------------------------------------------------------ restart and reload

  /** Runs `change` after every change asked for before it; shutdown cancels what did not start. */
  #serialised<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#changes.then(() => {
      if (this.stopping) throw new Error("jaffle is shutting down");
      return change();
    });
    this.#changes = run.catch(() => undefined);
    return run;
  }

  /** What a name given to `jaffle restart` is: exactly one kernel, app or process. */
  #kindOf(name: string): "kernel" | "app" | "process" {
    const kinds = (["kernel", "app", "process"] as const).filter((kind) =>
      kind === "kernel" ? this.#kernels.has(name) : kind === "app" ? this.#apps.has(name) : this.#processes.has(name),
    );
    const [kind, another] = kinds;
    if (kind === undefined) {
      const known = [...this.#kernels.keys(), ...this.#apps.keys(), ...this.#processes.keys()].join(", ");
      throw new Error(`no kernel, app or process named "${name}" runs (running: ${known || "nothing"})`);
    }
    if (another === undefined) return kind;
    throw new Error(`"${name}" is the name of both a ${kinds.join(" and a ")}`);
  }

  /**
   * `jaffle restart NAME`: restarts a process (its group; its restart budget is not
   * touched), an app (in place when the app can, else stop and create), or a kernel
   * (shut down, start, create its apps again). Resolves with a one-line description once
   * what was restarted is ready again; rejects with the one-line reason it is not.
   */
  restart(name: string): Promise<string> {
    return this.#serialised(async () => {
      const kind = this.#kindOf(name);
      const started = performance.now();
      let what: string;
      if (kind === "process") what = await this.#restartProcess(name);
      else if (kind === "app") what = await this.#restartApp(name);
      else what = await this.#restartKernel(name);
      const line = `restarted ${what} in ${seconds(performance.now() - started)}`;
      this.#options.logger.info(line);
      return line;
    });
  }

  async #restartProcess(name: string): Promise<string> {
    const managed = this.#processes.get(name)!;
    const before = managed.pid;
    this.#ready.reset(name);
    this.#resetLogWatch(name, managed.config.ready);
    await managed.stop();
    await this.#settleOrThrow(name, this.#processUp(name, managed).up);
    return `process ${name} (pid ${before ?? "-"} -> ${managed.pid ?? "-"})`;
  }

  async #restartApp(name: string): Promise<string> {
    const slot = this.#apps.get(name)!;
    this.#ready.reset(name);
    this.#resetLogWatch(name, slot.config.ready);
    const restarted = withTimeout(
      slot.restart(APP_STOP_TIMEOUT_MS),
      this.#options.readyTimeoutMs,
      `app ${name}: restart`,
    );
    await this.#settleOrThrow(
      name,
      restarted.then(() => this.#appChecks(slot)),
    );
    return `app ${name}`;
  }

  async #restartKernel(name: string): Promise<string> {
    const slot = this.#kernels.get(name)!;
    const apps = [...this.#apps.values()].filter((app) => app.config.kernel === name);
    for (const app of apps) this.#ready.reset(app.name);
    const before = kernelPid(slot.kernel);
    for (const app of [...apps].reverse()) await app.discard(APP_STOP_TIMEOUT_MS);
    await slot.relaunch(KERNEL_SHUTDOWN_TIMEOUT_MS);
    for (const app of apps) {
      this.#resetLogWatch(app.name, app.config.ready);
      await this.#settleOrThrow(app.name, this.#appUp(app).up);
    }
    const with_ = apps.length > 0 ? ` with ${plural(apps.length, "app")}` : "";
    return `kernel ${name} (pid ${before ?? "-"} -> ${kernelPid(slot.kernel) ?? "-"})${with_}`;
  }

  async #settleOrThrow(name: string, up: Promise<void>): Promise<void> {
    let failure: string | undefined;
    await this.#settle(name, up, (why) => (failure = why));
    const state = this.#ready.get(name);
    if (state.state === "failed") throw new Error(failure ?? state.reason);
  }

  /**
   * Applies a new configuration: removed blocks stop, added ones start, changed ones
   * restart (an app in a changed kernel too), a block whose logger block alone changed
   * gets the new rules in place, and nothing else is touched. Resolves with the line
   * that says what was done (also logged).
   */
  reload(next: JaffleConfig): Promise<{ line: string; failures: number }> {
    return this.#serialised(async () => {
      const diff = diffConfigs(this.#config, next);
      const { blocks } = diff;
      const { logger, hub } = this.#options;
      const gone = (kind: BlockKind) => [...blocks[kind].removed, ...blocks[kind].changed];
      // Stop first: dependants before dependencies, apps before their kernels.
      await this.#stopBlocks([...gone("app"), ...gone("process")]).all;
      await Promise.all(gone("job").map((name) => this.#jobs.get(name)?.stop()));
      await Promise.all(gone("kernel").map((name) => this.#kernels.get(name)?.shutdown(KERNEL_SHUTDOWN_TIMEOUT_MS)));
      for (const name of gone("app")) this.#forget("app", name);
      for (const name of gone("process")) this.#forget("process", name);
      for (const name of gone("job")) this.#jobs.delete(name);
      for (const name of blocks.kernel.removed) {
        this.#kernels.delete(name);
        this.#options.status.setKernel(name, undefined);
      }

      this.#config = next;
      for (const kind of ["app", "process", "job"] as const) {
        for (const name of blocks[kind].loggerOnly)
          this.#loggers.get(name)?.swap(blockNamed<{ logger: LoggerConfig }>(next[kind], name).logger);
      }
      if (diff.rootLogger) hub.setRootRules(next.logger);

      const failures: string[] = [];
      const fail = (what: string) => {
        failures.push(what);
        logger.error(what);
      };
      const come = (kind: BlockKind) => [...blocks[kind].changed, ...blocks[kind].added];
      const failedKernels = new Set<string>();
      await Promise.all(
        come("kernel").map(async (name) => {
          const slot = this.#addKernel(name, blockNamed(next.kernel, name));
          try {
            await slot.start();
          } catch (error) {
            failedKernels.add(name);
            fail(`kernel ${name} did not start: ${errorText(error)}`);
          }
        }),
      );
      for (const name of come("job")) this.#addJob(name, blockNamed(next.job, name));
      const outcomes: Promise<void>[] = [];
      for (const name of come("app")) {
        const slot = this.#addApp(name, blockNamed(next.app, name));
        this.#ready.reset(name);
        const kernel = slot.config.kernel;
        const start = failedKernels.has(kernel)
          ? () => Promise.reject(new Error(`app ${name} not started: its kernel ${kernel} did not start`))
          : () => this.#appUp(slot).up;
        const deps = slot.config.depends_on;
        outcomes.push(this.#settle(name, deps.length > 0 ? this.#afterDependencies(name, deps, start) : start(), fail));
      }
      for (const name of come("process")) {
        const managed = this.#addProcess(name, blockNamed(next.process, name));
        this.#ready.reset(name);
        const start = () => this.#processUp(name, managed).up;
        const deps = managed.config.depends_on;
        outcomes.push(this.#settle(name, deps.length > 0 ? this.#afterDependencies(name, deps, start) : start(), fail));
      }
      await Promise.all(outcomes);
      const line = describeDiff(diff) + (failures.length > 0 ? ` (${plural(failures.length, "failure")})` : "");
      if (failures.length > 0) logger.error(line);
      else logger.info(line);
      return { line, failures: failures.length };
    });
  }

  /** Drops a stopped app or process from the run and from the status file. */
  #forget(kind: "app" | "process", name: string): void {
    if (kind === "app") {
      this.#apps.delete(name);
      this.#options.status.setApp(name, undefined);
    } else {
      this.#processes.delete(name);
      this.#options.status.setProcess(name, undefined);
    }
    this.#ready.remove(name);
    this.#loggers.delete(name);
    this.#logWatches.delete(name);
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Stops apps and processes, each only after everything that depends on it has
   * stopped (the reverse of the start order); blocks unrelated by depends_on stop in
   * parallel. Failures are logged, never thrown.
   */
  #stopBlocks(names: string[]): { all: Promise<void>; each: ReadonlyMap<string, Promise<void>> } {
    const chosen = new Set(names);
    const dependants = new Map<string, string[]>();
    for (const name of chosen) {
      const deps = this.#apps.get(name)?.config.depends_on ?? this.#config.process[name]?.depends_on ?? [];
      for (const dep of deps) if (chosen.has(dep)) dependants.set(dep, [...(dependants.get(dep) ?? []), name]);
    }
    const stops = new Map<string, Promise<void>>();
    const stop = (name: string): Promise<void> => {
      let stopping = stops.get(name);
      if (!stopping) {
        stopping = Promise.all((dependants.get(name) ?? []).map(stop)).then(() => this.#stopOne(name));
        stops.set(name, stopping);
      }
      return stopping;
    };
    const all = Promise.all([...chosen].map(stop)).then(() => undefined);
    return { all, each: stops };
  }

  async #stopOne(name: string): Promise<void> {
    const app = this.#apps.get(name);
    if (app) return app.stop(APP_STOP_TIMEOUT_MS);
    const managed = this.#processes.get(name);
    await managed
      ?.stop()
      .catch((error: unknown) => this.#options.logger.warning(`stopping ${name}: ${errorText(error)}`));
  }

  /**
   * Apps and processes stopped in reverse dependency order (each with a timeout), then
   * kernels shut down once their apps stopped; jobs are ended meanwhile (SIGTERM to each
   * group, SIGKILL after 5 s). Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stopAll();
    return this.#shutdown;
  }

  async #stopAll(): Promise<void> {
    const { logger } = this.#options;
    this.#abort.abort();
    const started = performance.now();
    logger.info("shutting down");
    const apps = [...this.#apps.keys()].reverse();
    const blocks = this.#stopBlocks([...apps, ...this.#processes.keys()]);
    // A kernel goes once its apps stopped; it need not wait for the processes.
    const stopKernels = Promise.all(apps.map((name) => blocks.each.get(name))).then(() =>
      Promise.all([...this.#kernels.values()].map((kernel) => kernel.shutdown(KERNEL_SHUTDOWN_TIMEOUT_MS))),
    );
    const stopJobs = Promise.all([...this.#jobs.values()].map((job) => job.stop()));
    await Promise.all([blocks.all, stopKernels, stopJobs]);
    const left = this.groups.signalAll("SIGKILL");
    if (left.length > 0) logger.warning(`killed what was left: ${left.join(", ")}`);
    logger.info(`shut down in ${seconds(performance.now() - started)}`);
  }

  /** Resolves once no tracked group has a running process left, or after `timeoutMs`. */
  async waitForGroups(timeoutMs: number): Promise<void> {
    await waitForGroupsExit(this.groups.groups.keys(), timeoutMs);
  }

  /** The emergency brake (a second SIGTERM): SIGKILL to every group right now. */
  killAll(): string[] {
    this.#abort.abort();
    return this.groups.signalAll("SIGKILL");
  }
}

/** A local kernel's pid; a kernel on a Jupyter server (or none) has none here. */
function kernelPid(kernel: KernelSlot["kernel"]): number | undefined {
  return kernel?.pid;
}
