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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ReadinessCheck } from "../../config/types.js";
import type { AppContext, ExecuteOutcome, JaffleApp, WatchdogEvent } from "../api.js";
import { languageFamily, pythonLiteral, type KernelLanguageFamily } from "../kernel-literal.js";
import { parseBridgeOptions, type BridgeOptions } from "./options.js";

const PYTHON_RUNTIME_MODULE = "jaffle_tornado_bridge";

/** A kernel-side name must be an identifier in both languages, since code refers to it. */
function checkHandleName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(
      `app "${name}": a server bridge's name must be an identifier (letters, digits, _), since code in the kernel refers to it`,
    );
  }
  return name;
}

/** The Python runtime's source: next to this module in src/, or beside dist/ in a checkout. */
export function pythonRuntimeSource(): { path: string; source: string } {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [
    join(here, "tornado_bridge.py"),
    join(here, "..", "..", "..", "..", "src", "apps", "server-bridge", "tornado_bridge.py"),
  ];
  for (const path of candidates) {
    try {
      return { path, source: readFileSync(path, "utf8") };
    } catch {
      /* try the next place */
    }
  }
  throw new Error(`the Python runtime of the server bridge is missing (looked in ${candidates.join(", ")})`);
}

/** The Node runtime's URL (dist/.../node-runtime.js; node-runtime.ts when running from src/ under tsx). */
export function nodeRuntimeUrl(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./node-runtime${ext}`, import.meta.url).href;
}

export class ServerBridgeApp implements JaffleApp {
  readonly options: BridgeOptions;
  readonly language: KernelLanguageFamily;
  readonly handleName: string;

  constructor(private readonly context: AppContext) {
    this.options = parseBridgeOptions(context.options, context.name);
    this.language = languageFamily(context.kernel.language);
    this.handleName = checkHandleName(context.name);
  }

  /** The readiness URL from `ready_url`, for the supervisor's readiness check. */
  get readyUrl(): string | undefined {
    return this.options.readyUrl;
  }

  /** `ready_url` as the supervisor's readiness check (see JaffleApp.readiness). */
  get readiness(): ReadinessCheck | undefined {
    return this.options.readyUrl ? { url: this.options.readyUrl } : undefined;
  }

  /** Code that creates the runtime in the kernel and publishes the handle. */
  setupCode(): string {
    const { appClass, argv, threaded, clearCache } = this.options;
    const { projectDir } = this.context;
    const name = this.handleName;
    if (this.language === "javascript") {
      const config = { name, appClass, argv, threaded, projectDir, clearCache };
      return `globalThis[${JSON.stringify(name)}] = (await import(${JSON.stringify(nodeRuntimeUrl())})).createBridge(${JSON.stringify(config)});\nundefined;`;
    }
    const { path, source } = pythonRuntimeSource();
    return [
      "def __jaffle_load_bridge(source, path):",
      "    import sys, types",
      `    module = sys.modules.get(${JSON.stringify(PYTHON_RUNTIME_MODULE)})`,
      "    if module is None:",
      `        module = types.ModuleType(${JSON.stringify(PYTHON_RUNTIME_MODULE)})`,
      "        module.__file__ = path",
      "        exec(compile(source, path, 'exec'), module.__dict__)",
      `        sys.modules[${JSON.stringify(PYTHON_RUNTIME_MODULE)}] = module`,
      "    return module",
      `${name} = __jaffle_load_bridge(${JSON.stringify(source)}, ${JSON.stringify(path)}).TornadoBridge(`,
      `    name=${pythonLiteral(name)}, app_class=${pythonLiteral(appClass)}, argv=${pythonLiteral(argv)},`,
      `    threaded=${pythonLiteral(threaded)}, clear_cache=${pythonLiteral(clearCache ?? null)}, project_dir=${pythonLiteral(projectDir)})`,
      "del __jaffle_load_bridge",
    ].join("\n");
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
   * Runs a method of the kernel-side handle through `_jaffle`, which raises the failure
   * itself: the kernel reports it as the cell's error, with the user's traceback, and the
   * supervisor logs it as an error of this app.
   */
  private async call(method: "start" | "stop" | "restart"): Promise<boolean> {
    const code =
      this.language === "javascript"
        ? `await ${this.handleName}._jaffle(${JSON.stringify(method)});`
        : `${this.handleName}._jaffle(${JSON.stringify(method)})`;
    const outcome: ExecuteOutcome = await this.context.kernel.execute(code);
    return outcome.status === "ok";
  }

  start(): Promise<boolean> {
    return this.call("start");
  }

  /** Restarts the server: stop (connections closed, port released), clear the module cache, load, start. */
  async handleWatchdogEvent(_event?: WatchdogEvent): Promise<void> {
    const ok = await this.call("restart");
    if (!ok) throw new Error("restart failed (see the traceback above); the next change tries again");
    if (this.options.readyUrl) await this.waitUntilReady();
  }

  /**
   * Waits until `ready_url` answers (any HTTP status below 500). The runtimes only report
   * a start once the server listens, so the first probe normally succeeds; the retry loop
   * covers servers that listen before they can serve.
   */
  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const url = this.options.readyUrl;
    if (!url) return;
    const deadline = performance.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: "manual" });
        await response.body?.cancel();
        if (response.status < 500) return;
      } catch {
        /* not up yet */
      }
      if (performance.now() > deadline || this.context.signal.aborted)
        throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async stop(): Promise<void> {
    await this.call("stop");
  }
}

/** Jaffle's name for the same class. */
export { ServerBridgeApp as TornadoBridgeApp };
