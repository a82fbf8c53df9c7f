/**
 * One `kernel` block: launches the kernel process, keeps it attached to its KernelHost,
 * and starts it again when it dies unexpectedly (at most `RestartBudget` times a
 * minute). The supervisor listens for "restarted" to create the kernel's apps again.
 */
import { EventEmitter } from "node:events";
import type { GatewayConfig, KernelConfig } from "../config/types.js";
import type { RemoteKernel } from "../kernel/gateway/remote-kernel.js";
import { resolveGateway } from "../kernel/gateway/settings.js";
import { launchKernel } from "../kernel/launcher.js";
import type { Logger } from "../log/logger.js";
import { describeExit, type ChildExit } from "../process/exit.js";
import { DelaySchedule, RestartBudget } from "../process/restart-timing.js";
import type { ProcessGroupTracker } from "../process/tracker.js";
import type { StatusBook } from "../runtime/status-book.js";
import { errorText } from "./app-slot.js";
import { KernelHost, type HostableKernel } from "./kernel-host.js";

export interface KernelSlotOptions {
  runtimeDir: string;
  projectDir: string;
  logger: Logger;
  tracker: ProcessGroupTracker;
  /** Launch and answer within this long, or the launch fails. */
  startupTimeoutMs: number;
  /** The root `gateway {}` block (issue 15); a kernel's own block wins. */
  gateway?: GatewayConfig;
  /**
   * Starts one kernel for the block (default: launchSlotKernel, a process here or a
   * kernel on a Jupyter server); unit tests pass a fake kernel.
   */
  launch?: (name: string, config: KernelConfig, options: KernelSlotOptions) => Promise<SlotKernel>;
  /** How many restarts a minute (default: 5 within 60 s). */
  budget?: RestartBudget;
  /** The delays before restarts (default: 200 ms doubling to 5 s). */
  restartDelays?: DelaySchedule;
}

/**
 * What the slot needs of a kernel: a kernel process here (the launcher's RunningKernel)
 * or a kernel on a Jupyter server (issue 15, RemoteKernel) both have it.
 */
export interface SlotKernel extends HostableKernel {
  readonly running: boolean;
  /** A local kernel's pid (= its process group) and connection file; none for a remote one. */
  readonly pid?: number;
  readonly connectionFile?: string;
  /** "remote" for a kernel on a Jupyter server (RemoteKernel). */
  readonly where?: "remote";
  shutdown(timeoutMs: number): Promise<void>;
  once(event: "exit", listener: (exit: ChildExit | { reason: string }) => void): unknown;
  on(event: "dead", listener: (reason: string) => void): unknown;
  /** Ends a kernel that stopped answering while its process lives on (a remote one ends itself). */
  killWedged?(): void;
}

/** The real launch: on the block's (or the root's) gateway if it has one, else a process here. */
export async function launchSlotKernel(
  name: string,
  config: KernelConfig,
  options: KernelSlotOptions,
): Promise<SlotKernel> {
  // issue 15: a kernel with a gateway runs on that server, behind the same client; the
  // gateway's modules load only then.
  const gateway = resolveGateway(config.gateway, options.gateway, config.kernel_name !== undefined);
  return gateway
    ? (await import("../kernel/gateway/remote-kernel.js")).startRemoteKernel({
        name,
        kernelName: config.kernel_name,
        settings: gateway,
        logger: options.logger,
        startupTimeoutMs: options.startupTimeoutMs,
      })
    : launchKernel({
        name,
        kernelName: config.kernel_name,
        runtimeDir: options.runtimeDir,
        cwd: options.projectDir,
        passEnv: config.pass_env,
        env: config.env,
        logger: options.logger,
        tracker: options.tracker,
        startupTimeoutMs: options.startupTimeoutMs,
      });
}

/** True for a kernel on a Jupyter server (the gateway's classes load only when one is configured). */
export function isRemoteKernel(kernel: SlotKernel | undefined): kernel is RemoteKernel {
  return kernel?.where === "remote";
}

/** Records a kernel on a Jupyter server in the status file: `remote`, its id and server. */
export function recordRemoteKernelStatus(book: StatusBook, name: string, kernel: RemoteKernel, restarts: number): void {
  book.setRemoteKernel(name, {
    server: kernel.server,
    kernelId: kernel.kernelId,
    language: kernel.language,
    restarts,
  });
}

export interface KernelSlotEvents {
  /** A new kernel process is up after the previous one died. */
  restarted: [];
  /** The kernel died and will not be started again. */
  "gave-up": [reason: string];
  /** pid, restarts or language changed (for the status file). */
  changed: [];
}

/** Delays before a restart: 200 ms doubling to 5 s; 30 s of uptime earn the quick ones back. */
const FIRST_RESTART_DELAY_MS = 200;
const MAX_RESTART_DELAY_MS = 5_000;
const HEALTHY_UPTIME_MS = 30_000;

export class KernelSlot extends EventEmitter<KernelSlotEvents> {
  readonly host: KernelHost;
  readonly budget: RestartBudget;
  #kernel: SlotKernel | undefined;
  #stopping = false;
  readonly #delays: DelaySchedule;

  constructor(
    readonly name: string,
    readonly config: KernelConfig,
    private readonly options: KernelSlotOptions,
  ) {
    super();
    this.budget = options.budget ?? new RestartBudget(5, 60_000);
    this.#delays = options.restartDelays ?? new DelaySchedule(FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS);
    // Until the kernelspec is read, the language is a guess from the block.
    this.host = new KernelHost(name, config.kernel_name ? "" : "javascript", options.logger);
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get kernel(): SlotKernel | undefined {
    return this.#kernel;
  }

  get restarts(): number {
    return this.budget.total;
  }

  /** Launches the kernel; resolves once it answered. */
  async start(): Promise<void> {
    const { options, config, name } = this;
    const kernel = await (options.launch ?? launchSlotKernel)(name, config, options);
    if (this.#stopping) {
      // Shutdown began while we were launching: don't leave this one behind.
      await kernel.shutdown(2_000);
      throw new Error(`kernel ${name}: shutdown began during start`);
    }
    this.#kernel = kernel;
    kernel.once("exit", (exit: ChildExit | { reason: string }) => this.#onDeath(kernel, exit));
    // A remote kernel ends itself on the server and then emits "exit".
    if (kernel.killWedged) this.#watchWedged(kernel);
    this.host.attach(kernel);
    this.emit("changed");
  }

  #watchWedged(kernel: SlotKernel): void {
    kernel.on("dead", (reason) => {
      // Heartbeat lost while the process lives on (wedged): kill it, and the "exit"
      // that follows restarts it like any other death.
      if (this.#kernel !== kernel || this.#stopping || !kernel.running) return;
      this.logger.error(`kernel stopped answering (${reason}); killing it`);
      kernel.killWedged?.();
    });
  }

  #onDeath(kernel: SlotKernel, exit: ChildExit | { reason: string }): void {
    if (this.#kernel !== kernel || this.#stopping) return;
    this.#kernel = undefined;
    this.host.detach();
    this.emit("changed");
    // A remote kernel says why in words (the server reported it gone); a local one has an exit status.
    const how = "reason" in exit ? exit.reason : describeExit(exit);
    if (!this.budget.take()) {
      const reason = `died (${how}) ${this.budget.limit + 1} times within ${this.budget.windowMs / 1000} s; not restarting it`;
      this.logger.error(reason);
      this.host.close(reason);
      this.emit("gave-up", reason);
      return;
    }
    this.logger.warning(
      `kernel died (${how}); starting it again (restart ${this.budget.total}, at most ${this.budget.limit} within ${this.budget.windowMs / 1000} s)`,
    );
    void this.#restart();
  }

  async #restart(): Promise<void> {
    const delay = this.#delays.next();
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.#stopping) return;
    try {
      await this.start();
    } catch (error) {
      if (this.#stopping) return;
      this.logger.error(`restart failed: ${errorText(error)}`);
      if (this.budget.take()) {
        void this.#restart();
      } else {
        const reason = `could not be restarted: ${errorText(error)}`;
        this.host.close(reason);
        this.emit("gave-up", reason);
      }
      return;
    }
    const back = this.#kernel;
    this.logger.info(
      `kernel is back (${isRemoteKernel(back) ? `kernel id ${back.kernelId} on ${back.server}` : `pid ${back?.pid}`})`,
    );
    // A kernel that stays up for a while earns its quick restarts back.
    const kernel = this.#kernel;
    setTimeout(() => {
      if (this.#kernel === kernel) this.#delays.reset();
    }, HEALTHY_UPTIME_MS).unref();
    this.emit("restarted");
  }

  /**
   * `jaffle restart KERNEL`: shuts the current kernel down and launches a new one. The
   * death of the old one is expected, so it takes nothing from the restart budget; the
   * caller creates the kernel's apps again once this resolved.
   */
  async relaunch(timeoutMs: number): Promise<void> {
    if (this.#stopping) throw new Error(`kernel ${this.name}: jaffle is shutting down`);
    const old = this.#kernel;
    // Cleared first: #onDeath ignores the exit of a kernel that is no longer current.
    this.#kernel = undefined;
    this.host.detach();
    this.emit("changed");
    if (old) {
      try {
        await old.shutdown(timeoutMs);
      } catch (error) {
        this.logger.warning(`shutdown before the restart: ${errorText(error)}`);
      }
    }
    await this.start();
    this.logger.info(`kernel restarted (pid ${this.kernel?.pid ?? "remote"})`);
  }

  /** Shuts the kernel down (shutdown_request, then signals); no restart after this. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    const kernel = this.#kernel;
    this.#kernel = undefined;
    this.host.close("is shut down");
    if (!kernel) return;
    try {
      await kernel.shutdown(timeoutMs);
    } catch (error) {
      this.logger.warning(`shutdown: ${errorText(error)}`);
    }
  }
}
