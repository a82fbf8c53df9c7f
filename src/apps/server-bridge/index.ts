/**
 * The server bridge (`jaffle.app.tornado.TornadoBridgeApp`, also `ServerBridgeApp`): runs
 * a web server class inside its kernel and restarts it on watchdog events. One class for
 * both kernel languages; `setup()` puts the runtime of the kernel's language there and
 * publishes the handle under the app's name:
 *   Node kernel:   node-runtime.ts (imported by file URL), `globalThis[NAME]`
 *   Python kernel: tornado_bridge.py (its source executed as a module), `NAME`
 * The supervisor side only sends short calls (`await NAME.restart()`); the server, its
 * module cache and its thread live in the kernel, where `jaffle console` can reach them.
 */
import type { ReadinessCheck } from "../../config/types.js";
import { probeUrl } from "../../net/probes.js";
import { AppFailure, type AppContext, type JaffleApp, type WatchdogEvent } from "../api.js";
import { checkHandleName, dialectFor, type KernelDialect, type KernelRuntime } from "../dialect/index.js";
import { siblingModuleUrl } from "../dialect/kernel-files.js";
import { serverBridgeDescriptor, type BridgeOptions, type BridgeSetup } from "./descriptor.js";
import { outcomeFrom, type BridgeOutcome } from "./outcome.js";

/** The bridge's kernel-side runtimes. */
export const bridgeRuntime: KernelRuntime = {
  what: "server bridge",
  python: { module: "jaffle_tornado_bridge", file: "apps/server-bridge/tornado_bridge.py" },
  javascript: () => siblingModuleUrl(import.meta.url, "./node-runtime"),
  factory: { python: "create_bridge", javascript: "createBridge" },
};

export class ServerBridgeApp implements JaffleApp {
  readonly options: BridgeOptions;
  readonly dialect: KernelDialect;
  readonly handleName: string;

  constructor(private readonly context: AppContext) {
    this.options = serverBridgeDescriptor.parseOptions(context.options, context.name);
    this.dialect = dialectFor(context.kernel.language);
    this.handleName = checkHandleName(context.name, "a server bridge");
  }

  /** `ready_url` as the supervisor's readiness check (see JaffleApp.readiness). */
  get readiness(): ReadinessCheck | undefined {
    return this.options.readyUrl ? { url: this.options.readyUrl } : undefined;
  }

  /** Code that creates the runtime in the kernel and publishes the handle. */
  setupCode(): string {
    const { appClass, argv, threaded, clearCache } = this.options;
    const setup: BridgeSetup = {
      name: this.handleName,
      appClass,
      argv,
      threaded,
      projectDir: this.context.projectDir,
      clearCache: clearCache ?? null,
    };
    return this.dialect.loadRuntime(bridgeRuntime, this.handleName, setup);
  }

  async setup(): Promise<void> {
    const outcome = await this.context.kernel.execute(this.setupCode(), { silent: true });
    if (outcome.status === "error")
      throw new Error(
        `creating the server bridge in kernel ${this.context.kernel.name} failed: ${outcome.ename}: ${outcome.evalue}`,
      );
    if (outcome.status === "aborted")
      throw new Error(`creating the server bridge in kernel ${this.context.kernel.name} was aborted`);
  }

  /**
   * Runs a method of the kernel-side handle through `_jaffle_call`, whose value carries
   * the outcome as a typed MIME bundle (outcome.ts): the runtime in the kernel says how
   * it went, with the user's error and location, and nobody parses log text.
   */
  private async call(method: "start" | "stop" | "restart" | "status"): Promise<BridgeOutcome> {
    const code = this.dialect.callHandle(this.handleName, "_jaffle_call", [method]);
    const { kernel } = this.context;
    const executed = await kernel.execute(code, { resultLevel: "debug" });
    if (executed.status === "error")
      throw new Error(`the server bridge in kernel ${kernel.name}: ${executed.ename}: ${executed.evalue}`);
    if (executed.status === "aborted")
      throw new Error(`the server bridge's ${method} was aborted by kernel ${kernel.name}`);
    const outcome = outcomeFrom(executed.data);
    if (!outcome) throw new Error(`the server bridge in kernel ${kernel.name} did not report how its ${method} went`);
    return outcome;
  }

  /** Resolves when the outcome is not a failure; else rejects with the runtime's report. */
  private async expect(method: "start" | "restart" | "status"): Promise<void> {
    const outcome = await this.call(method);
    if (outcome.state === "failed") {
      const reason = outcome.reason ?? `${method} failed`;
      throw new AppFailure(reason, outcome.report ?? reason, outcome.details);
    }
  }

  /** Starts the server (what `start = "NAME.start()"` does), rejecting when it failed. */
  start(): Promise<void> {
    return this.expect("start");
  }

  /** After the `start` code: did what it started come up? (The runtime's own outcome.) */
  confirmStarted(): Promise<void> {
    return this.expect("status");
  }

  /** Restarts the server: stop (connections closed, port released), clear the module cache, load, start. */
  async restart(): Promise<void> {
    await this.expect("restart");
    if (this.options.readyUrl) await this.waitUntilReady();
  }

  /**
   * A file changed: restart in place. A failure rejects with the runtime's own typed
   * AppFailure, untouched, so the app's state gets the user's error and file:line; the
   * next event tries again (the AppSlot keeps the app and the kernel).
   */
  async handleWatchdogEvent(_event?: WatchdogEvent): Promise<void> {
    await this.restart();
  }

  /**
   * Waits until `ready_url` answers with 2xx or 3xx. The runtimes only report a start
   * once the server listens, so the first probe normally succeeds; the retry loop covers
   * servers that listen before they can serve.
   */
  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const url = this.options.readyUrl;
    if (!url) return;
    const deadline = performance.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      if (await probeUrl(url)) return;
      if (performance.now() > deadline || this.context.signal.aborted)
        throw new Error(`${url} did not answer with 2xx or 3xx within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async stop(): Promise<void> {
    await this.call("stop");
  }
}

/** Jaffle's name for the same class. */
export { ServerBridgeApp as TornadoBridgeApp };
