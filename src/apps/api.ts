/**
 * The plugin API: what an app is and what the supervisor gives it. Built-in apps
 * (WatchdogApp, the server bridge) and users' own plugins (`class = "./plugins/x.ts#X"`)
 * implement `JaffleApp` and are constructed with an `AppContext`.
 */
import type { AppConfig, ReadinessCheck } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { JobOutcome } from "../process/job-runner.js";

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
  | { status: "ok"; /** text/plain of the last expression's value, if any */ result?: string }
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
  execute(code: string, options?: { logger?: Logger; silent?: boolean }): Promise<ExecuteOutcome>;
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
  /** Stops whatever the app runs (called at shutdown, before its kernel shuts down). */
  stop?(): Promise<void> | void;
  /** A file event routed by a WatchdogApp. */
  handleWatchdogEvent?(event: WatchdogEvent): Promise<void> | void;
}

export type AppConstructor = new (context: AppContext) => JaffleApp;
