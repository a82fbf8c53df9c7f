/**
 * The supervisor behind `jaffle start`: starts every kernel, then every enabled app in
 * its kernel (in file order), then every enabled process; decides when the run is
 * ready; brings dead kernels back with their apps; and shuts everything down.
 *
 * It owns no process handling or protocol of its own: kernels come from the launcher,
 * processes and jobs from src/process, apps from the registry. What it adds is order,
 * readiness, restarts of kernels, the status file, and a shutdown that leaves nothing.
 *
 * Every failure (a kernel, app or process that failed, a check that did not pass) is
 * announced as it happens (`onFailure`), so `--exit-when-ready` ends at the first one;
 * a long run goes on, and the failed app's state says why until a retry works.
 */
import { performance } from "node:perf_hooks";
import type { AppConstructor, AppContext, JaffleApp, JobOutcome } from "../apps/api.js";
import type { JaffleConfig, ReadinessCheck } from "../config/types.js";
import type { LogHub } from "../log/hub.js";
import { loggerFrom, type Level, type Logger } from "../log/logger.js";
import { waitForGroupsExit } from "../process/groups.js";
import { JobRunner } from "../process/job-runner.js";
import { ManagedProcess } from "../process/managed-process.js";
import type { ProcessGroupTracker } from "../process/tracker.js";
import type { StatusBook } from "../runtime/status-book.js";
import { AppSlot, errorText, withTimeout } from "./app-slot.js";
import type { AppState } from "./app-state.js";
import { GroupRegistry } from "./group-registry.js";
import { RemoteKernel } from "../kernel/gateway/remote-kernel.js";
import { KernelSlot, recordRemoteKernelStatus } from "./kernel-slot.js";
import { LogLineWatch, NotReadyError, waitForCheck } from "./readiness.js";

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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export class Supervisor {
  readonly groups: GroupRegistry;
  readonly #options: SupervisorOptions;
  readonly #kernels = new Map<string, KernelSlot>();
  readonly #apps = new Map<string, AppSlot>();
  readonly #processes = new Map<string, ManagedProcess>();
  readonly #jobs = new Map<string, JobRunner>();
  /** Log-line readiness checks by source name, fed by the source's logger from the very start. */
  readonly #logWatches = new Map<string, LogLineWatch>();
  readonly #abort = new AbortController();
  #shutdown: Promise<void> | undefined;
  readonly #failureListeners: ((line: string) => void)[] = [];

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.groups = new GroupRegistry(options.tracker);
    const { config, hub, projectDir, runtimeDir } = options;

    for (const [name, kernel] of Object.entries(config.kernel)) {
      const slot = new KernelSlot(name, kernel, {
        runtimeDir,
        projectDir,
        logger: hub.logger(name),
        tracker: this.groups,
        startupTimeoutMs: options.readyTimeoutMs,
        gateway: config.gateway,
      });
      slot.on("changed", () => this.#recordKernel(slot, slot.kernel ? "running" : "restarting"));
      slot.on("restarted", () => void this.#recreateApps(slot));
      slot.on("gave-up", (reason) => {
        this.#recordKernel(slot, "failed", reason);
        this.#failed(`kernel ${slot.name} failed: ${reason}`);
        void this.#dropApps(slot);
      });
      this.#kernels.set(name, slot);
    }
    for (const [name, app] of Object.entries(config.app)) {
      if (app.disabled) continue;
      const kernel = this.#kernels.get(app.kernel);
      if (!kernel) throw new Error(`app ${name}: no kernel named "${app.kernel}"`);
      const logger = this.#watchLog(name, app.ready, hub.logger(name, app.logger));
      const slot = new AppSlot(name, app, logger, kernel.host, {
        resolveClass: (className, language) => options.resolveAppClass(className, projectDir, language),
        context: (appSlot, view) => this.#context(appSlot, view),
      });
      slot.on("state", (state) => this.#recordApp(slot, state));
      this.#apps.set(name, slot);
    }
    for (const [name, job] of Object.entries(config.job)) {
      this.#jobs.set(
        name,
        new JobRunner({ name, config: job, projectDir, logger: hub.logger(name, job.logger), tracker: this.groups }),
      );
    }
    for (const [name, proc] of Object.entries(config.process)) {
      if (proc.disabled) continue;
      const managed = new ManagedProcess({
        name,
        config: proc,
        projectDir,
        logger: this.#watchLog(name, proc.ready, hub.logger(name, proc.logger)),
        tracker: this.groups,
      });
      const record = () => this.#recordProcess(name, managed);
      managed.on("spawn", record);
      managed.on("restart", record);
      // The state is settled after the "exit" event's listeners ran.
      managed.on("exit", () => setImmediate(record));
      managed.on("gave-up", record);
      this.#processes.set(name, managed);
    }
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get stopping(): boolean {
    return this.#shutdown !== undefined;
  }

  /**
   * With a `log_regex` check, the source's logger also feeds the check, with each line
   * as the source wrote it: before level threshold, suppress and replace rules, so that
   * `--log-level warning` or a suppress rule cannot make a run never ready. Debug lines
   * are jaffle's own notes about the source ("started (pid …): command"), not its output.
   */
  #watchLog(source: string, check: ReadinessCheck | undefined, logger: Logger): Logger {
    if (check?.log_regex === undefined) return logger;
    const watch = new LogLineWatch(check.log_regex);
    this.#logWatches.set(source, watch);
    const log = (level: Level, message: string) => {
      if (level !== "debug") for (const line of message.split("\n")) watch.feed(line);
      logger.log(level, message);
    };
    return loggerFrom(logger.name, log);
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
    const kernel = slot.kernel;
    if (kernel instanceof RemoteKernel) {
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

  /**
   * Starts everything and resolves once the run is ready, or once it is clear that it
   * will not be (a failure, or the ready timeout). Failures are logged as they happen;
   * the run goes on either way.
   */
  async start(): Promise<ReadyReport> {
    const { logger, readyTimeoutMs } = this.#options;
    const failures: string[] = [];
    const checks: Promise<void>[] = [];
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

    // Apps one after another, in file order: a later app may use what an earlier one set up.
    for (const slot of this.#apps.values()) {
      if (this.stopping) break;
      if (failedKernels.has(slot.config.kernel)) {
        slot.markStopped();
        fail(`app ${slot.name} not started: its kernel ${slot.config.kernel} did not start`);
        continue;
      }
      try {
        await withTimeout(slot.create(), readyTimeoutMs, `app ${slot.name}: start`);
      } catch (error) {
        // An AppStartError says "app NAME failed: reason"; its check never runs.
        fail(errorText(error));
        continue;
      }
      logger.debug(`app ${slot.name} started in kernel ${slot.config.kernel}`);
      // Each check reports its own failure as it happens, not once all are done.
      const watch = (check: Promise<void>) => checks.push(check.catch((error: unknown) => fail(errorText(error))));
      if (slot.config.ready) watch(this.#check(`app ${slot.name}`, slot.name, slot.config.ready));
      const declared = slot.instance?.readiness;
      if (declared) watch(this.#check(`app ${slot.name}`, slot.name, declared));
    }

    for (const [name, managed] of this.#processes) {
      if (this.stopping) break;
      try {
        await managed.start();
      } catch (error) {
        fail(`process ${name} failed: ${errorText(error)}`);
        this.#recordProcess(name, managed);
        continue;
      }
      checks.push(
        this.#processUp(name, managed, this.#options.config.process[name]!.ready).catch((error: unknown) =>
          fail(errorText(error)),
        ),
      );
    }

    await Promise.all(checks);
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
   * A process counts as up once it runs and its check (if any) passed. A process that
   * fails for good first (exits non-zero without restart, or gives up restarting) ends
   * the wait at once instead of letting it run into the timeout.
   */
  #processUp(name: string, managed: ManagedProcess, check: ReadinessCheck | undefined): Promise<void> {
    let unlisten = () => {};
    const up = new Promise<void>((resolve, reject) => {
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
    return up.finally(() => unlisten());
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
    }
  }

  /**
   * Apps stopped (each with a timeout), then kernels shut down; processes and jobs are
   * ended meanwhile (SIGTERM to each group, SIGKILL after 5 s). Idempotent.
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
    const apps = [...this.#apps.values()].reverse();
    const stopApps = Promise.all(apps.map((app) => app.stop(APP_STOP_TIMEOUT_MS))).then(() =>
      Promise.all([...this.#kernels.values()].map((kernel) => kernel.shutdown(KERNEL_SHUTDOWN_TIMEOUT_MS))),
    );
    const stopProcesses = Promise.all(
      [...this.#processes.values()].map((managed) =>
        managed.stop().catch((error: unknown) => logger.warning(`stopping ${managed.name}: ${errorText(error)}`)),
      ),
    );
    const stopJobs = Promise.all([...this.#jobs.values()].map((job) => job.stop()));
    await Promise.all([stopApps, stopProcesses, stopJobs]);
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
