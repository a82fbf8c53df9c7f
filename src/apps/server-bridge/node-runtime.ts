/**
 * The server bridge's runtime inside a Node kernel. The supervisor-side app imports this
 * module in the kernel by file URL and publishes `createBridge(...)` as
 * `globalThis[NAME]`, so config code (`start = "web.start()"`), watchdog code blocks
 * (`web.handle_watchdog_event({event})`) and a person in `jaffle console` all reach it:
 *   NAME.start() / stop() / restart() / handle_watchdog_event(event) (+ camelCase aliases)
 *   NAME.app      the live instance of the user's class (non-threaded)
 *   NAME.server   the live server object (non-threaded)
 *   NAME.worker   the worker thread (threaded), NAME.addresses, NAME.running
 * Failures (syntax errors, constructor exceptions, EADDRINUSE) are recorded as the
 * bridge's outcome (a one-line reason with the user's file:line, a readable report, the
 * whole stack: start-failure.ts), which the supervisor reads with `_jaffle_call` as a
 * typed value (outcome.ts) and logs at error; `NAME.lastError` shows the report in
 * `jaffle console`. The methods resolve to `false` then (and to undefined on success)
 * instead of rejecting, so a failed start never leaves an unhandled rejection in the
 * kernel and the next file event simply tries again.
 * Operations are serialised: a restart arriving during a start waits for it.
 */
import { Worker } from "node:worker_threads";
import type { BridgeSetup } from "./descriptor.js";
import { AppRunner, describePhases, type RunnerOptions, type StartPhases } from "./node-app-runner.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";
import { JaffleError } from "../../errors.js";
import { parseAppClass, reloadingLoader } from "./node-loader.js";
import { warmDirectory } from "./warm-directory.js";
import { BRIDGE_OUTCOME_MIME, type BridgeOutcome } from "./outcome.js";
import { describeStartFailure } from "./start-failure.js";
import { firstLine } from "../../shared/text.js";

interface Engine {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Ends what is kept for the next restart (a stop that is not part of a restart). */
  dispose(): Promise<void>;
  readonly running: boolean;
  readonly addresses: string[];
  /** Where the last start's time went (the restart line says it). */
  describeStart(): string;
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

class InThreadEngine implements Engine {
  readonly runner: AppRunner;
  running = false;
  constructor(options: RunnerOptions) {
    this.runner = new AppRunner(options, reloadingLoader);
  }
  get addresses(): string[] {
    return this.runner.addresses();
  }
  async start(): Promise<void> {
    // The loader is registered by the first start that needs it and serves every restart
    // after it (a JavaScript app's first start goes through Node's own loader, so its
    // first restart registers it: a kernel that never restarts never loads tsx).
    await this.runner.start();
    this.running = true;
  }
  describeStart(): string {
    return this.runner.phases ? describePhases(this.runner.phases) : "";
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.runner.stop();
  }
  async dispose(): Promise<void> {}
}

type WorkerMessage = FromWorker;

function send(worker: Worker, message: ToWorker): void {
  worker.postMessage(message);
}

/** Carries the worker's stack across the thread boundary as the error's own. */
class WorkerError extends JaffleError {
  constructor(stack: string) {
    super(firstLine(stack) || "worker failed");
    this.stack = stack;
  }
}

/** A booted worker: its thread, loader and our runner are loaded; the user's code is not. */
interface BootedWorker {
  worker: Worker;
  /** Resolves once it can start, rejects if it died first. */
  booted: Promise<void>;
}

/** The next message from the worker, or a failure if it errors or exits first. */
function nextMessage(worker: Worker): Promise<WorkerMessage> {
  return new Promise<WorkerMessage>((resolve) => {
    const done = (message: WorkerMessage) => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      resolve(message);
    };
    const onMessage = (message: WorkerMessage) => done(message);
    const onError = (error: Error) => done({ type: "failed", stack: stackOf(error) });
    const onExit = (code: number) =>
      done({ type: "failed", stack: `Error: the app's worker thread exited with code ${code}` });
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  });
}

/** Booted workers kept for the next restarts (see WorkerEngine.spares). */
const SPARE_WORKERS = 2;

class WorkerEngine implements Engine {
  worker: Worker | undefined;
  running = false;
  addresses: string[] = [];
  /**
   * Booted workers waiting for the next starts. Two: the watchdog queues at most one
   * restart behind the one running, so even a burst of saves finds a booted worker for
   * each restart instead of paying a worker start. They boot one after the other, off
   * the restart's path.
   */
  private readonly spares: BootedWorker[] = [];
  private booting = false;
  private disposed = false;
  /** The last start: how long it waited for its worker to finish booting, and its phases there. */
  private lastStart: { bootWait: number; phases?: StartPhases } = { bootWait: 0 };
  /** Workers being terminated after they stopped. */
  private readonly ending = new Set<Promise<void>>();
  constructor(private readonly options: BridgeSetup) {}

  private workerUrl(): URL {
    // Under tsx (running from src/) the sibling is a .ts file; from dist/ it is .js.
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    return new URL(`./node-worker${ext}`, import.meta.url);
  }

  private boot(): BootedWorker {
    const { appClass, argv, projectDir, clearCache } = this.options;
    const worker = new Worker(this.workerUrl(), {
      workerData: { appClass, argv, projectDir, clearCache, warmDir: warmDirectory() } satisfies WorkerSetup,
      // Piped by hand so the output goes through the kernel's process.stdout/stderr,
      // which the kernel turns into stream messages, i.e. the app's log lines.
      stdout: true,
      stderr: true,
    });
    worker.stdout.on("data", (chunk: Buffer) => process.stdout.write(chunk));
    worker.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    // A spare must never keep its process alive on its own.
    worker.unref();
    const booted = nextMessage(worker).then((message) => {
      if (message.type !== "booted")
        throw new WorkerError(message.type === "failed" ? message.stack : `unexpected ${message.type}`);
    });
    booted.catch(() => undefined);
    return { worker, booted };
  }

  async start(): Promise<void> {
    this.disposed = false;
    const { worker, booted } = this.spares.shift() ?? this.boot();
    this.worker = worker;
    let outcome: WorkerMessage;
    const began = performance.now();
    try {
      await booted;
      this.lastStart = { bootWait: performance.now() - began };
      worker.ref();
      const reply = nextMessage(worker);
      send(worker, { type: "start" });
      outcome = await reply;
    } catch (error) {
      outcome = { type: "failed", stack: stackOf(error) };
    }
    if (outcome.type !== "started") {
      this.worker = undefined;
      await worker.terminate();
      // The next save tries again; let its worker boot meanwhile.
      this.topUp();
      throw new WorkerError(outcome.type === "failed" ? outcome.stack : `unexpected ${outcome.type}`);
    }
    this.addresses = outcome.addresses;
    this.lastStart.phases = outcome.phases;
    this.running = true;
    worker.on("error", (error) => {
      process.stderr.write(`[${this.options.name}] uncaught error in the app's worker thread:\n${stackOf(error)}\n`);
    });
    worker.on("exit", () => {
      if (this.worker === worker) {
        this.running = false;
        this.worker = undefined;
        this.addresses = [];
      }
    });
    // The next restarts' workers boot now, off the restart's path.
    this.topUp();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.running = false;
    this.addresses = [];
    if (!worker) return;
    const stopped = nextMessage(worker);
    send(worker, { type: "stop" });
    // A worker that died already answers "failed" at once; its servers died with it.
    const outcome = await stopped;
    // Its servers are closed and their ports free: the next worker may start while this
    // thread is torn down. dispose() waits for the teardowns.
    const ending = worker.terminate().then(() => undefined);
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
    if (outcome.type === "stopped" && outcome.error) throw new WorkerError(outcome.error);
  }

  describeStart(): string {
    const { bootWait, phases } = this.lastStart;
    return `worker boot wait ${bootWait.toFixed(1)}${phases ? `, ${describePhases(phases)}` : ""}`;
  }

  /** Boots spares, one at a time, until there are SPARE_WORKERS. */
  private topUp(): void {
    if (this.disposed || this.booting || this.spares.length >= SPARE_WORKERS) return;
    const spare = this.boot();
    this.spares.push(spare);
    this.booting = true;
    void spare.booted
      .catch(() => undefined)
      .finally(() => {
        this.booting = false;
        this.topUp();
      });
  }

  /** Ends the spare workers too (a stop that is not part of a restart). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const spares = this.spares.splice(0);
    await Promise.all(spares.map((spare) => spare.worker.terminate()));
    await Promise.all(this.ending);
  }
}

export interface BridgeHandle {
  readonly name: string;
  readonly running: boolean;
  readonly app: unknown;
  readonly server: unknown;
  readonly worker: Worker | undefined;
  readonly addresses: string[];
  /** The last failure's report (reason, the user's frames), undefined after a success. */
  readonly lastError: string | undefined;
  /** Each resolves to false when it failed (see lastError), undefined when it worked. */
  start(): Promise<false | undefined>;
  stop(): Promise<false | undefined>;
  restart(): Promise<false | undefined>;
  handle_watchdog_event(event?: unknown): Promise<false | undefined>;
  handleWatchdogEvent(event?: unknown): Promise<false | undefined>;
  /**
   * For the supervisor: runs the method (`status`: none, after what is under way) and
   * resolves to the outcome as a typed value (outcome.ts); never rejects.
   */
  _jaffle_call(method: "start" | "stop" | "restart" | "status"): Promise<OutcomeValue>;
}

/** A BridgeOutcome as a cell's value: its MIME bundle carries it typed. */
class OutcomeValue {
  constructor(readonly outcome: BridgeOutcome) {}
  [Symbol.for("jupyter.mime")](): Record<string, unknown> {
    return { [BRIDGE_OUTCOME_MIME]: this.outcome, "text/plain": `bridge ${this.outcome.state}` };
  }
}

export function createBridge(options: BridgeSetup): BridgeHandle {
  const engine: InThreadEngine | WorkerEngine = options.threaded
    ? new WorkerEngine(options)
    : new InThreadEngine(options);
  let queue: Promise<unknown> = Promise.resolve();
  let outcome: BridgeOutcome = { state: "stopped" };
  const moduleFile = (() => {
    try {
      return parseAppClass(options.appClass, options.projectDir).modulePath;
    } catch {
      return undefined;
    }
  })();
  /** Runs operations one at a time and records each one's outcome; never rejects. */
  const serial = (op: () => Promise<void>): Promise<BridgeOutcome> => {
    const run = queue.then(async (): Promise<BridgeOutcome> => {
      try {
        await op();
        outcome = { state: engine.running ? "running" : "stopped" };
      } catch (error) {
        outcome = { state: "failed", ...describeStartFailure(error, options.projectDir, moduleFile) };
      }
      return outcome;
    });
    queue = run;
    return run;
  };
  const publicCall = (op: () => Promise<void>): Promise<false | undefined> =>
    serial(op).then((result) => (result.state === "failed" ? false : undefined));
  const doStart = async () => {
    if (engine.running) return;
    const began = performance.now();
    await engine.start();
    const where = engine.addresses.length > 0 ? ` on ${engine.addresses.join(", ")}` : "";
    process.stdout.write(
      `[${options.name}] started ${options.appClass}${where} in ${(performance.now() - began).toFixed(1)} ms\n`,
    );
  };
  // Jaffle: a restart is stop, clear the cache, import again, start; after a failed start
  // there is nothing to stop and the next event just starts it.
  const doRestart = async () => {
    const began = performance.now();
    await engine.stop();
    const stopped = performance.now();
    await engine.start();
    const where = engine.addresses.length > 0 ? ` on ${engine.addresses.join(", ")}` : "";
    // The phases are what `npm run bench` breaks a restart down by.
    const phases = `stop ${(stopped - began).toFixed(1)}, ${engine.describeStart()}`;
    process.stdout.write(
      `[${options.name}] restarted${where} in ${(performance.now() - began).toFixed(1)} ms (${phases})\n`,
    );
  };
  const doStop = async () => {
    await engine.stop();
    await engine.dispose();
  };
  const actions = { start: doStart, stop: doStop, restart: doRestart };
  const start = () => publicCall(doStart);
  const stop = () => publicCall(doStop);
  const restart = () => publicCall(doRestart);
  const handle: BridgeHandle = {
    name: options.name,
    get running() {
      return engine.running;
    },
    get app() {
      return engine instanceof InThreadEngine ? engine.runner.app : undefined;
    },
    get server() {
      return engine instanceof InThreadEngine ? engine.runner.server : undefined;
    },
    get worker() {
      return engine instanceof WorkerEngine ? engine.worker : undefined;
    },
    get addresses() {
      return engine.addresses;
    },
    get lastError() {
      return outcome.report;
    },
    start,
    stop,
    restart,
    handle_watchdog_event: () => restart(),
    handleWatchdogEvent: () => restart(),
    _jaffle_call: async (method) => {
      // status: the outcome of what ran last, once what is under way has finished.
      if (method === "status") await queue;
      else await serial(actions[method]);
      return new OutcomeValue(outcome);
    },
  };
  return handle;
}
