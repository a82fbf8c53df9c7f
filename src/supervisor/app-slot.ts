/**
 * One `app` block: resolves its class once, and creates an instance in its kernel
 * (construct, `setup()`, then the block's `start` code). After the kernel died and came
 * back, `create()` runs again and makes a new instance in the new kernel.
 */
import type { AppConstructor, AppContext, JaffleApp } from "../apps/api.js";
import type { AppConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { KernelHost } from "./kernel-host.js";
import { KernelView } from "./kernel-view.js";
import { JaffleError } from "../errors.js";

/** Why an app did not start; the message is one line for the log and the exit report. */
export class AppStartError extends JaffleError {
  constructor(app: string, what: string) {
    super(`app ${app}: ${what}`, { userFault: true });
  }
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
  resolveClass(className: string, kernelLanguage: string): Promise<AppConstructor>;
  /** The context for a new instance (everything but the kernel view is the slot's). */
  context(slot: AppSlot, kernel: KernelView): AppContext;
}

export class AppSlot {
  #class: AppConstructor | undefined;
  #instance: JaffleApp | undefined;
  /** Set by stop(): a create() still under way must not leave an instance behind. */
  #stopped = false;

  constructor(
    readonly name: string,
    readonly config: AppConfig,
    readonly logger: Logger,
    readonly host: KernelHost,
    private readonly deps: AppSlotDeps,
  ) {}

  /** The live instance, if the last `create()` got as far as constructing it. */
  get instance(): JaffleApp | undefined {
    return this.#instance;
  }

  /**
   * Makes a new instance in the host's current kernel and runs the `start` code.
   * Rejects with an AppStartError; the details (traceback) are in the app's log.
   */
  async create(): Promise<void> {
    const { name, config } = this;
    try {
      this.#class ??= await this.deps.resolveClass(config.class, this.host.language);
    } catch (error) {
      throw new AppStartError(name, `class ${config.class}: ${errorText(error)}`);
    }
    if (this.#stopped) throw new AppStartError(name, "not created: jaffle is shutting down");
    const view = new KernelView(this.host, this.host.generation, this.logger);
    let instance: JaffleApp;
    try {
      instance = new this.#class(this.deps.context(this, view));
    } catch (error) {
      throw new AppStartError(name, `creating ${config.class} failed: ${errorText(error)}`);
    }
    this.#instance = instance;
    try {
      await instance.setup?.();
    } catch (error) {
      throw new AppStartError(name, `setup failed: ${errorText(error)}`);
    }
    if (this.#stopped) {
      // stop() ran while setup() was under way and saw no instance: end this one now.
      this.#instance = undefined;
      await this.#stopInstance(instance, STOP_AFTER_SHUTDOWN_MS);
      throw new AppStartError(name, "stopped: jaffle is shutting down");
    }
    if (config.start === undefined || config.start.trim() === "") return;
    let outcome;
    try {
      outcome = await view.execute(config.start, { logger: this.logger });
    } catch (error) {
      throw new AppStartError(name, `start code failed: ${errorText(error)}`);
    }
    if (outcome.status === "error") {
      throw new AppStartError(name, `start code failed: ${outcome.ename}: ${outcome.evalue}`);
    }
    if (outcome.status === "aborted") throw new AppStartError(name, "start code was aborted");
  }

  /** Stops the current instance for good; a failure or a hang is logged, never thrown. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    const instance = this.#instance;
    this.#instance = undefined;
    if (instance) await this.#stopInstance(instance, timeoutMs);
  }

  async #stopInstance(instance: JaffleApp, timeoutMs: number): Promise<void> {
    if (!instance.stop) return;
    try {
      await withTimeout(instance.stop(), timeoutMs, `stopping app ${this.name}`);
    } catch (error) {
      this.logger.warning(`stop failed: ${errorText(error)}`);
    }
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
