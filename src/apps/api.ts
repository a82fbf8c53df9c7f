/**
 * The plugin API: what an app is and what the supervisor gives it. Built-in apps
 * (WatchdogApp, the server bridge) and users' own plugins (`class = "./plugins/x.ts#X"`)
 * implement `JaffleApp` and are constructed with an `AppContext`.
 */
import type { AppConfig, ReadinessCheck } from "../config/types.js";
import type { Level, Logger } from "../log/logger.js";
import type { JobOutcome } from "../process/job-runner.js";
import { JaffleError } from "../errors.js";

/** A file-system event as Jaffle's watchdog describes it; `src_path` is relative to the project dir. */
export interface WatchdogEvent {
  event_type: "created" | "modified" | "deleted" | "moved";
  src_path: string;
  /** For `moved`: where the file went. */
  dest_path?: string;
  is_directory: boolean;
}

/** The outcome of running code in a kernel. Outputs were already logged. */
export type ExecuteOutcome =
  | {
      status: "ok";
      /** text/plain of the last expression's value, if any */
      result?: string;
      /** The last expression's whole MIME bundle (typed values such as APP_OUTCOME_MIME). */
      data?: Record<string, unknown>;
    }
  | { status: "error"; ename: string; evalue: string; traceback: string[] }
  | { status: "aborted" };

/** The app's view of its kernel. It outlives kernel restarts: calls go to the current kernel. */
export interface AppKernel {
  /** The kernel block's label. */
  readonly name: string;
  /** The kernel's language from its kernelspec: "javascript", "python", ... */
  readonly language: string;
  /**
   * Runs code in the kernel. Its streams, results and errors are logged to `logger`
   * (default: the app's logger), also those printed later by work the code started.
   */
  execute(code: string, options?: ExecuteOptions): Promise<ExecuteOutcome>;
}

export interface ExecuteOptions {
  logger?: Logger;
  silent?: boolean;
  /**
   * The level the code's value (its execute_result) is logged at; default info. jaffle's
   * own calls use debug: a value returned by `start` code is not something the app said.
   */
  resultLevel?: Level;
  /**
   * The level the code's error output (the kernel's traceback) is logged at; default
   * error. jaffle's `start` code uses debug where it logs a readable report instead.
   */
  errorLevel?: Level;
}

/**
 * Why an app failed to start or restart, as the app (or the runtime in its kernel)
 * reports it. `reason` is one line: the user's error message and, where there is one,
 * the user's `file:line`. `report` is what a person reads in the log (the reason, the
 * user's own frames, internal frames folded into one line); `details` the full
 * traceback, logged at debug. Throw it from `setup()`, `confirmStarted()` or
 * `handleWatchdogEvent()`; any other error counts too, with its message as the reason.
 */
export class AppFailure extends JaffleError {
  constructor(
    readonly reason: string,
    readonly report: string = reason,
    readonly details?: string,
  ) {
    super(reason, { userFault: true });
  }
}

// A job's outcome is the process layer's fact; plugins see it through runJob().
export type { JobOutcome };

export interface AppContext {
  /** The app block's label; also the name of its handle in the kernel. */
  readonly name: string;
  readonly config: AppConfig;
  /** `config.options`, for convenience. */
  readonly options: Record<string, unknown>;
  readonly logger: Logger;
  readonly kernel: AppKernel;
  /** The directory jaffle runs in (relative paths in the config are relative to it). */
  readonly projectDir: string;
  readonly runtimeDir: string;
  /** Runs a `job` block; a second trigger while it runs is queued once, not piled up. */
  runJob(name: string): Promise<JobOutcome>;
  /** Another app of this run, by name (for TypeScript-native event routing). */
  app(name: string): JaffleApp | undefined;
  /** Aborted when the supervisor shuts down. */
  readonly signal: AbortSignal;
}

export interface JaffleApp {
  /**
   * Creates the app in its kernel (put a runtime there, publish its handle). Called once
   * after construction. When the app's kernel dies and is started anew, the supervisor
   * stops this instance and constructs a new one, so an app never sees a half-dead kernel.
   * The config's `start` code runs after this resolves.
   */
  setup?(): Promise<void> | void;
  /**
   * A readiness check the app declares itself (the server bridge's `ready_url`), read
   * once `setup()` and the `start` code have finished; the supervisor waits for it as for
   * a config `ready` block (and for both when both are given).
   */
  readonly readiness?: ReadinessCheck;
  /**
   * Called after `setup()` and the config's `start` code ran without an error: resolves
   * once what the app started is up, rejects (best with an AppFailure) when it failed.
   * The server bridge asks its kernel-side runtime here, since `start = "web.start()"`
   * returns normally even when the server could not start.
   */
  confirmStarted?(): Promise<void>;
  /** Stops whatever the app runs (called at shutdown, before its kernel shuts down). */
  stop?(): Promise<void> | void;
  /**
   * Restarts what the app runs in place, for `jaffle restart APP` (the server bridge:
   * new code, same kernel). Apps without it are stopped and created again instead.
   */
  restart?(): Promise<void>;
  /** A file event routed by a WatchdogApp. */
  handleWatchdogEvent?(event: WatchdogEvent): Promise<void> | void;
}

export type AppConstructor = new (context: AppContext) => JaffleApp;
