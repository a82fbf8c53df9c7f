/**
 * One `app` block: resolves its class once, and creates an instance in its kernel
 * (construct, `setup()`, the block's `start` code, then the app's own confirmation that
 * what it started is up). After the kernel died and came back, `create()` runs again and
 * makes a new instance in the new kernel.
 *
 * The slot owns the app's state (app-state.ts): every transition happens here, and is
 * announced with a "state" event (the supervisor writes it to the status file and ends an
 * `--exit-when-ready` run at a failure). Watchdog events reach the app through
 * `routable`, so a restart's outcome changes the state too, and a failed app is retried.
 */
import { EventEmitter } from "node:events";
import {
  AppFailure,
  type AppConstructor,
  type AppContext,
  type ExecuteOutcome,
  type JaffleApp,
  type WatchdogEvent,
} from "../apps/api.js";
import { dialectFor, type KernelDialect } from "../apps/dialect/index.js";
import { failureFrom } from "../apps/dialect/failure.js";
import { stripAnsi } from "../log/ansi.js";
import type { AppConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import { failed, running, starting, stopped, type AppState } from "./app-state.js";
import type { KernelHost } from "./kernel-host.js";
import { KernelView } from "./kernel-view.js";
import { JaffleError } from "../errors.js";
import { firstLine } from "../shared/text.js";

/** Why an app did not start; the message is one line for the log and the exit report. */
export class AppStartError extends JaffleError {
  constructor(
    app: string,
    /** The one-line reason, without the app's name. */
    readonly reason: string,
  ) {
    super(`app ${app} failed: ${reason}`, { userFault: true });
  }
}

/** A failure as the slot logs it: the reason, the readable report, the full details. */
function failureOf(error: unknown, prefix = ""): AppFailure {
  if (error instanceof AppFailure) {
    if (prefix === "") return error;
    // The report opens with the reason: it gets the same prefix, so it is said once.
    const report = error.report.startsWith(error.reason) ? prefix + error.report : error.report;
    return new AppFailure(prefix + error.reason, report, error.details);
  }
  const reason = prefix + firstLine(errorText(error));
  return new AppFailure(reason, reason, error instanceof Error ? error.stack : undefined);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rejects with `what timed out` if `work` has not settled after `ms`. */
export async function withTimeout<T>(work: Promise<T> | T, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long an instance finished after shutdown began may take to stop. */
const STOP_AFTER_SHUTDOWN_MS = 2_000;

export interface AppSlotDeps {
  /** Where the user's files are: their frames in a traceback are the user's own. */
  projectDir: string;
  resolveClass(className: string, kernelLanguage: string): Promise<AppConstructor>;
  /** The context for a new instance (everything but the kernel view is the slot's). */
  context(slot: AppSlot, kernel: KernelView): AppContext;
}

export interface AppSlotEvents {
  /** The state changed (see app-state.ts). */
  state: [state: AppState];
}

export class AppSlot extends EventEmitter<AppSlotEvents> {
  #class: AppConstructor | undefined;
  #instance: JaffleApp | undefined;
  #state: AppState = starting();
  /** Set by stop(): a create() still under way must not leave an instance behind. */
  #stopped = false;
  /** The attempt under way (create or a watchdog event); the next one waits for it. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly config: AppConfig,
    readonly logger: Logger,
    readonly host: KernelHost,
    private readonly deps: AppSlotDeps,
  ) {
    super();
  }

  /** The live instance, if the last `create()` got as far as constructing it. */
  get instance(): JaffleApp | undefined {
    return this.#instance;
  }

  get state(): AppState {
    return this.#state;
  }

  /** The only place the state changes. */
  #enter(state: AppState): void {
    if (this.#state.name === "stopped" && state.name !== "stopped") return;
    this.#state = state;
    this.emit("state", state);
  }

  /**
   * Logs a failure at error (the reason and the readable report; the full details at
   * debug) and enters `failed`. Returns the AppStartError for the caller to throw.
   */
  #fail(error: unknown, stage: "create" | "run", prefix = "", what = "start"): AppStartError {
    const failure = failureOf(error, prefix);
    const report = failure.report.startsWith(failure.reason) ? failure.report : `${failure.reason}\n${failure.report}`;
    this.logger.error(`${what} failed: ${report}`);
    if (failure.details) this.logger.debug(`the whole traceback:\n${failure.details}`);
    this.#enter(failed(failure.reason, stage));
    return new AppStartError(this.name, failure.reason);
  }

  /**
   * Makes a new instance in the host's current kernel, runs the `start` code and waits
   * for the app's confirmation. Resolves in state `running`; rejects with an
   * AppStartError in state `failed` (the report is in the app's log).
   */
  create(): Promise<void> {
    const attempt = this.#busy.then(() => this.#create());
    this.#busy = attempt.catch(() => undefined);
    return attempt;
  }

  async #create(): Promise<void> {
    const { name, config } = this;
    this.#enter(starting());
    try {
      this.#class ??= await this.deps.resolveClass(config.class, this.host.language);
    } catch (error) {
      throw this.#fail(error, "create", `class ${config.class}: `);
    }
    if (this.#stopped) throw new AppStartError(name, "not created: jaffle is shutting down");
    const view = new KernelView(this.host, this.host.generation, this.logger);
    let instance: JaffleApp;
    try {
      instance = new this.#class(this.deps.context(this, view));
    } catch (error) {
      throw this.#fail(error, "create", `creating ${config.class}: `);
    }
    this.#instance = instance;
    try {
      await instance.setup?.();
    } catch (error) {
      throw this.#fail(error, "create");
    }
    if (this.#stopped) {
      // stop() ran while setup() was under way and saw no instance: end this one now.
      this.#instance = undefined;
      await this.#stopInstance(instance, STOP_AFTER_SHUTDOWN_MS);
      throw new AppStartError(name, "stopped: jaffle is shutting down");
    }
    if (config.start !== undefined && config.start.trim() !== "") {
      const dialect = dialectFor(this.host.language);
      let outcome;
      try {
        // The code's value is not something the app said: debug, not info. Its error is
        // logged once, readably, with the failure below; the raw traceback is for --debug.
        outcome = await view.execute(config.start, {
          logger: this.logger,
          resultLevel: "debug",
          errorLevel: "debug",
        });
      } catch (error) {
        throw this.#fail(error, "create", "start code: ");
      }
      if (outcome.status === "error") {
        const failure = await this.#describeStartCodeError(view, dialect, outcome);
        throw this.#fail(failure, "create", "start code: ");
      }
      if (outcome.status === "aborted") throw this.#fail("the kernel aborted it", "create", "start code: ");
    }
    try {
      await instance.confirmStarted?.();
    } catch (error) {
      throw this.#fail(error, "run");
    }
    this.#enter(running());
  }

  /**
   * The `start` code's error as a person reads it: the kernel describes the exception it
   * keeps (dialect.describeLastError: the user's error and file:line, the user's frames,
   * internal ones folded). Without a description the kernel's own traceback is the report.
   */
  async #describeStartCodeError(
    view: KernelView,
    dialect: KernelDialect,
    error: Extract<ExecuteOutcome, { status: "error" }>,
  ): Promise<AppFailure | string> {
    const head = `${error.ename}: ${error.evalue}`;
    const traceback = error.traceback.map(stripAnsi).join("\n").trim();
    const asLogged = new AppFailure(head, traceback.includes(head) ? traceback : `${head}\n${traceback}`);
    // The Node kernel's traceback already holds only the user's frames (error-report.ts
    // cuts the kernel's own): it is the report as it is.
    if (!dialect.describeLastError) return asLogged;
    try {
      const described = await view.execute(dialect.describeLastError(this.deps.projectDir, error.ename, error.evalue), {
        logger: this.logger,
        resultLevel: "debug",
        errorLevel: "debug",
      });
      return (described.status === "ok" ? failureFrom(described.data) : undefined) ?? asLogged;
    } catch (cause) {
      this.logger.debug(`describing the start code's error failed: ${errorText(cause)}`);
      return asLogged;
    }
  }

  /**
   * A watchdog event for this app. A running app (or one whose server failed) gets it:
   * the server bridge restarts, and the outcome is the new state. An app that failed
   * before it existed (its class, setup() or `start` code) is created anew instead.
   * Rejects with an AppStartError when the app is failed afterwards.
   */
  handleWatchdogEvent(event: WatchdogEvent): Promise<void> {
    const attempt = this.#busy.then(() => this.#deliver(event));
    this.#busy = attempt.catch(() => undefined);
    return attempt;
  }

  async #deliver(event: WatchdogEvent): Promise<void> {
    const state = this.#state;
    if (state.name === "stopped") return;
    const instance = this.#instance;
    if (!instance || (state.name === "failed" && state.stage === "create")) {
      if (instance) await this.discard(STOP_AFTER_SHUTDOWN_MS);
      this.logger.info("trying to start again");
      return this.#create();
    }
    if (!instance.handleWatchdogEvent) throw new Error(`app "${this.name}" does not handle watchdog events`);
    this.#enter(starting());
    try {
      await instance.handleWatchdogEvent(event);
    } catch (error) {
      throw this.#fail(error, "run", "", "restart");
    }
    this.#enter(running());
  }

  /**
   * The app as other apps see it (`AppContext.app(name)`, watchdog routing): its
   * instance, except that watchdog events go through this slot, which keeps the state.
   */
  get routable(): JaffleApp | undefined {
    const instance = this.#instance;
    const deliver = (event: WatchdogEvent) => this.handleWatchdogEvent(event);
    if (!instance) return this.#state.name === "failed" ? { handleWatchdogEvent: deliver } : undefined;
    if (!instance.handleWatchdogEvent) return instance;
    return new Proxy(instance, {
      get: (target, property) => {
        if (property === "handleWatchdogEvent") return deliver;
        const value: unknown = Reflect.get(target, property, target);
        // Bound to the instance itself: its methods may use private fields.
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Stops the current instance for good; a failure or a hang is logged, never thrown. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    const instance = this.#instance;
    this.#instance = undefined;
    if (instance) await this.#stopInstance(instance, timeoutMs);
    this.#enter(stopped());
  }

  /** Its kernel is gone for good: nothing will run it again. */
  markStopped(): void {
    this.#enter(stopped());
  }

  async #stopInstance(instance: JaffleApp, timeoutMs: number): Promise<void> {
    if (!instance.stop) return;
    try {
      await withTimeout(instance.stop(), timeoutMs, `stopping app ${this.name}`);
    } catch (error) {
      this.logger.warning(`stop failed: ${errorText(error)}`);
    }
  }

  /**
   * `jaffle restart APP`: the app's own in-place restart when it has one (the server
   * bridge reloads its code and restarts its server), else stop and create again.
   */
  async restart(timeoutMs: number): Promise<void> {
    if (this.#stopped) throw new AppStartError(this.name, "not restarted: jaffle is shutting down");
    const instance = this.#instance;
    if (instance?.restart) {
      try {
        await instance.restart();
      } catch (error) {
        throw new AppStartError(this.name, `restart failed: ${errorText(error)}`);
      }
      return;
    }
    this.#instance = undefined;
    if (instance) await this.#stopInstance(instance, timeoutMs);
    await this.create();
  }

  /** Drops the instance of a kernel that died; its stop() can only fail fast now. */
  async discard(timeoutMs: number): Promise<void> {
    const instance = this.#instance;
    this.#instance = undefined;
    if (!instance?.stop) return;
    try {
      await withTimeout(instance.stop(), timeoutMs, `stopping app ${this.name}`);
    } catch (error) {
      // Expected: its kernel is gone. Supervisor-side resources (watchers) were released.
      this.logger.debug(`old instance stopped with: ${errorText(error)}`);
    }
  }
}
