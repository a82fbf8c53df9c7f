/**
 * The request handling of the built-in Node.js kernel: what it answers to each message,
 * in ipykernel's order (status busy, execute_input, outputs, reply, status idle).
 *
 * Shell requests are handled one at a time in arrival order, as ipykernel does, so a cell
 * that awaits holds back the requests behind it. Control requests (interrupt, shutdown,
 * kernel_info) have their own queue and are answered while a cell awaits.
 *
 * What cells can call (display, input, comms: the globals of cellGlobals()) lives in its
 * own module each; this class only routes messages to them and sends what they produce.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { packageRoot } from "../../paths.js";
import {
  createMessage,
  PROTOCOL_VERSION,
  type ContentMap,
  type ExecuteReplyContent,
  type JsonObject,
  type JupyterMessage,
  type KernelInfoReplyContent,
  type Message,
  type MessageType,
} from "../messages.js";
import { RateLimitedWarning } from "../rate-limited-warning.js";
import type { CellExecutor } from "./cell-executor.js";
import { CommManager } from "./comms.js";
import { createDisplayApi, type DisplayApi } from "./display.js";
import { HistoryStore } from "./history-store.js";
import type { KernelSockets, InboundChannel, OutboundChannel } from "./kernel-sockets.js";
import { KeyboardInterrupt } from "./keyboard-interrupt.js";
import type { OutputCapture, StreamName } from "./output-capture.js";
import type { RequestHeader, RequestOrigins } from "./request-origin.js";
import { richOutput } from "./rich-output.js";
import { StdinChannel, type InputOrigin } from "./stdin.js";

export const IMPLEMENTATION = "jaffle-node";

let version: string | undefined;
function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  return version;
}

export function kernelInfo(): KernelInfoReplyContent {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: IMPLEMENTATION,
    implementation_version: packageVersion(),
    language_info: {
      name: "javascript",
      version: process.versions.node,
      mimetype: "application/javascript",
      file_extension: ".js",
      pygments_lexer: "javascript",
      codemirror_mode: "javascript",
    },
    banner: `Node.js ${process.version} (jaffle kernel): cells share globals, top-level await, import and require of .js and .ts`,
    help_links: [{ text: "Node.js documentation", url: "https://nodejs.org/docs/latest/api/" }],
    debugger: false,
  };
}

export interface ShutdownRequest {
  restart: boolean;
}

/** Work cells need before they run, which kernel_info need not wait for (typescript-loader.ts). */
export interface CellPreparation {
  /** kernel_info was answered (a client is about to send cells): work for every cell may start. */
  afterKernelInfo(): void;
  /** Resolves once `code` may run; rejects with the reason it cannot. */
  beforeCell(code: string): Promise<void>;
}

/** Told when each cell starts and ends (the interrupt watch breaks into running cells only). */
export interface CellWatch {
  cellStarted(): void;
  cellEnded(): void;
}

/** The cell services module (cell-services.ts) and the one executor that holds the cells' context. */
interface CellServices {
  tools: typeof import("./cell-services.js");
  executor: CellExecutor;
}

export interface NodeKernelParts {
  sockets: KernelSockets;
  output: OutputCapture;
  origins: RequestOrigins;
  /** What cells need before they run (the TypeScript loader), started after kernel_info. */
  cellPreparation?: CellPreparation;
  /** The history file shared with earlier sessions; without one, history is this session's. */
  historyFile?: string;
  /**
   * Resolves once cells may run, with the watch to tell about them if there is one. The
   * kernel answers kernel_info before its threads are up (main.ts), and a cell must not
   * run before them: it would be deaf to SIGINT, and one that calls process.exit() would
   * end the process under a heartbeat thread that is still binding (zeromq aborts then).
   */
  cellWatch?: Promise<CellWatch | undefined>;
}

/** How many recent execute requests input() can still find its front end for (timers outlive cells). */
const INPUT_ORIGINS_KEPT = 64;

export class NodeKernel {
  /** The kernel's session id, in the header of every message it sends. */
  readonly session = randomUUID();
  /** Resolves when a client asked the kernel to shut down (the reply has been queued). */
  readonly shutdownRequested: Promise<ShutdownRequest>;

  private readonly sockets: KernelSockets;
  private readonly output: OutputCapture;
  private readonly origins: RequestOrigins;
  /** Loading from construction on; awaited by the requests that parse or run code. */
  private readonly servicesLoaded: Promise<CellServices>;
  /** Set once servicesLoaded resolves, for the one caller that cannot wait (reportUncaught). */
  private services: CellServices | undefined;
  private readonly history: HistoryStore;
  private readonly display: DisplayApi;
  private readonly stdin: StdinChannel;
  private readonly comms: CommManager;
  /** Execute requests by msg_id: where input() sends its input_request. */
  private readonly inputOrigins = new Map<string, InputOrigin>();
  /** Dropped messages (forged, replayed) are logged at a bounded rate: a flood gives a few lines. */
  private readonly dropWarning: RateLimitedWarning;
  private readonly cellWatch: Promise<CellWatch | undefined>;
  private executionCount = 0;
  /** Names `<code N>` for executions that are not stored in history (silent ones). */
  private unnamedCount = 0;
  private readonly shellQueue: JupyterMessage[] = [];
  private shellRunning = false;
  /** Execute requests that arrived before a failing cell ended, to be answered "aborted". */
  private readonly toAbort = new Set<JupyterMessage>();
  private controlChain: Promise<void> = Promise.resolve();
  /** Aborts the execute request in progress (from its start to its reply). */
  private running: AbortController | undefined;
  private requestShutdown!: (request: ShutdownRequest) => void;
  private readonly cellPreparation: CellPreparation | undefined;

  constructor(parts: NodeKernelParts) {
    this.sockets = parts.sockets;
    this.output = parts.output;
    this.origins = parts.origins;
    this.cellPreparation = parts.cellPreparation;
    this.cellWatch = parts.cellWatch ?? Promise.resolve(undefined);
    this.servicesLoaded = import("./cell-services.js").then((tools) => {
      this.services = { tools, executor: new tools.CellExecutor() };
      return this.services;
    });
    // A load that fails (a broken install) fails each request that needs it, with the reason.
    this.servicesLoaded.catch(() => undefined);
    this.history = new HistoryStore(parts.historyFile, (line) => this.output.log(line));
    this.dropWarning = new RateLimitedWarning((line) => this.output.log(line));
    this.display = createDisplayApi({
      display: (content) => this.publishFromCell("display_data", content),
      update: (content) => this.publishFromCell("update_display_data", content),
      clear: (content) => this.publishFromCell("clear_output", content),
      warn: (line) => this.output.write("stderr", `jaffle-node: ${line}\n`),
    });
    this.stdin = new StdinChannel(
      () => {
        const header = this.origins.current();
        return header === undefined ? undefined : this.inputOrigins.get(header.msg_id);
      },
      (origin, prompt, password) => {
        const message = createMessage(
          "input_request",
          { prompt, password },
          this.options(origin.header, origin.identities),
        );
        // Output the cell wrote before asking belongs above the prompt.
        this.output.flush();
        void this.send("stdin", message as JupyterMessage);
        return message.header.msg_id;
      },
    );
    this.comms = new CommManager({
      open: (content, metadata) => this.publishFromCell("comm_open", content, { metadata }),
      send: (content, metadata, buffers) => this.publishFromCell("comm_msg", content, { metadata, buffers }),
      close: (content, metadata) => this.publishFromCell("comm_close", content, { metadata }),
      handlerFailed: (what, error) => this.reportUncaught(`Error in ${what}`, error),
    });
    this.shutdownRequested = new Promise((resolve) => (this.requestShutdown = resolve));
  }

  start(): void {
    this.sockets.listen({
      message: (channel, message) => this.receive(channel, message),
      rejected: (channel, reason, kind) =>
        this.dropWarning.warn(`${kind} on ${channel}`, `dropped a message on ${channel}: ${reason}`),
    });
    this.publish("status", { execution_state: "starting" }, undefined);
  }

  /**
   * SIGINT or interrupt_request: interrupts the cell being executed, if any. (While a cell
   * runs synchronously, SIGINT is `breakOnSigint`'s and never reaches this.)
   */
  interrupt(): boolean {
    const running = this.running;
    if (running === undefined) return false;
    running.abort();
    this.stdin.cancelAll(new KeyboardInterrupt());
    return true;
  }

  /**
   * The globals cells see: `display`, `clearOutput`, `input` and `jupyter` (the same
   * three plus `jupyter.comm`). Documented for notebook users in the README.
   */
  cellGlobals(): Record<string, unknown> {
    const { display, clearOutput } = this.display;
    const input = this.stdin.input;
    return { display, clearOutput, input, jupyter: { display, clearOutput, input, comm: this.comms.api } };
  }

  /** Publishes output the capture collected, under the request it belongs to. */
  publishStream(name: StreamName, text: string, parent: RequestHeader | undefined): Promise<void> {
    return this.send("iopub", createMessage("stream", { name, text }, this.options(parent)));
  }

  /** An error nobody awaited (a callback threw, a promise rejected): shown on the cell's stderr. */
  reportUncaught(what: string, error: unknown): void {
    const report = ({ tools }: CellServices) => {
      const { traceback } = tools.reportError(error);
      // Each report starts a stream message of its own, not the tail of earlier output.
      this.output.flush();
      this.output.write("stderr", `${what}: ${traceback.join("\n")}\n`);
    };
    // Before the services are loaded no cell has run: what failed is the kernel's own.
    if (this.services !== undefined) report(this.services);
    else
      this.servicesLoaded.then(report, () =>
        this.output.log(`${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      );
  }

  /** Waits for queued messages to leave, then closes the sockets. */
  async close(): Promise<void> {
    this.dropWarning.flush();
    this.output.flush();
    await this.sockets.drained();
    this.sockets.close();
  }

  private options(parent: RequestHeader | undefined, identities?: Buffer[]) {
    return {
      session: this.session,
      username: "kernel",
      ...(parent ? { parent } : {}),
      ...(identities ? { identities } : {}),
    };
  }

  private send(channel: OutboundChannel, message: JupyterMessage): Promise<void> {
    return this.sockets.send(channel, message).catch((error: Error) => {
      this.output.log(`cannot send ${message.header.msg_type} on ${channel}: ${error.message}`);
    });
  }

  private publish<T extends MessageType>(type: T, content: ContentMap[T], parent: RequestHeader | undefined): void {
    // Output written before this message must be published before it.
    this.output.flush();
    void this.send("iopub", createMessage(type, content, this.options(parent)) as JupyterMessage);
  }

  /** Output of the user's code: under the request the running code belongs to (timers included). */
  private publishFromCell<T extends MessageType>(
    type: T,
    content: ContentMap[T],
    extra: { metadata?: JsonObject; buffers?: Buffer[] } = {},
  ): void {
    this.output.flush();
    void this.send(
      "iopub",
      createMessage(type, content, { ...this.options(this.origins.current()), ...extra }) as JupyterMessage,
    );
  }

  private reply<T extends MessageType>(
    channel: OutboundChannel,
    request: JupyterMessage,
    type: T,
    content: ContentMap[T],
  ): void {
    this.output.flush();
    void this.send(
      channel,
      createMessage(type, content, this.options(request.header, request.identities)) as JupyterMessage,
    );
  }

  private receive(channel: InboundChannel, message: JupyterMessage): void {
    if (channel === "stdin") {
      if (!this.stdin.receive(message))
        this.output.log(`ignoring ${message.header.msg_type} on stdin (nothing asked for it)`);
      return;
    }
    if (channel === "control") {
      this.controlChain = this.controlChain.then(() => this.handle("control", message));
      return;
    }
    this.shellQueue.push(message);
    if (!this.shellRunning) void this.drainShell();
  }

  private async drainShell(): Promise<void> {
    this.shellRunning = true;
    try {
      while (this.shellQueue.length > 0) {
        // Nobody on iopub yet: running now would drop the request's busy, outputs and idle.
        const audience = this.sockets.audience.ready();
        if (audience !== undefined) await audience;
        const message = this.shellQueue.shift();
        if (message === undefined) break;
        if (this.toAbort.delete(message)) await this.abort(message);
        else await this.handle("shell", message);
      }
    } finally {
      this.shellRunning = false;
    }
  }

  private async handle(channel: "shell" | "control", message: JupyterMessage): Promise<void> {
    this.publish("status", { execution_state: "busy" }, message.header);
    try {
      await this.dispatch(channel, message);
    } catch (error) {
      // A bug in the kernel, not in the user's code: keep serving, say what happened.
      this.output.log(`error handling ${message.header.msg_type}: ${(error as Error).stack ?? String(error)}`);
    } finally {
      this.publish("status", { execution_state: "idle" }, message.header);
    }
    // A client that asked for kernel_info is about to run cells: their start-up work (tsx)
    // begins once the answer has left, instead of with the first execute_request.
    const preparation = this.cellPreparation;
    if (message.header.msg_type === "kernel_info_request" && preparation !== undefined)
      void this.sockets.drained().then(() => setImmediate(() => preparation.afterKernelInfo()));
  }

  private async dispatch(channel: "shell" | "control", message: JupyterMessage): Promise<void> {
    switch (message.header.msg_type) {
      case "kernel_info_request":
        this.reply(channel, message, "kernel_info_reply", kernelInfo());
        return;
      case "execute_request":
        await this.execute(channel, message as Message<"execute_request">);
        return;
      case "complete_request": {
        const { code, cursor_pos } = (message as Message<"complete_request">).content;
        const { tools } = await this.servicesLoaded;
        this.reply(channel, message, "complete_reply", {
          status: "ok",
          ...tools.complete(code, cursor_pos ?? code.length),
          metadata: {},
        });
        return;
      }
      case "inspect_request": {
        const { code, cursor_pos, detail_level } = (message as Message<"inspect_request">).content;
        const { tools } = await this.servicesLoaded;
        const inspection = tools.inspectAt(code, cursor_pos ?? code.length, detail_level === 1 ? 1 : 0);
        this.reply(channel, message, "inspect_reply", { status: "ok", ...inspection, metadata: {} });
        return;
      }
      case "is_complete_request": {
        const { tools } = await this.servicesLoaded;
        this.reply(
          channel,
          message,
          "is_complete_reply",
          tools.checkCompleteness((message as Message<"is_complete_request">).content.code),
        );
        return;
      }
      case "history_request":
        this.reply(channel, message, "history_reply", {
          status: "ok",
          history: this.history.query((message as Message<"history_request">).content),
        });
        return;
      case "comm_info_request": {
        const target = (message as Message<"comm_info_request">).content.target_name;
        this.reply(channel, message, "comm_info_reply", { status: "ok", comms: this.comms.info(target) });
        return;
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        // The handlers' output and messages go with the message that ran them.
        this.origins.runFor(message.header, () => this.comms.receive(message));
        return;
      case "interrupt_request":
        this.interrupt();
        this.reply(channel, message, "interrupt_reply", { status: "ok" });
        return;
      case "shutdown_request": {
        const restart = Boolean((message as Message<"shutdown_request">).content.restart);
        this.reply(channel, message, "shutdown_reply", { status: "ok", restart });
        // ipykernel also tells iopub listeners, so every client learns the kernel is going.
        this.publish("shutdown_reply", { status: "ok", restart }, message.header);
        this.requestShutdown({ restart });
        return;
      }
      default:
        // Anything newer than protocol 5.3.
        this.output.log(`ignoring ${message.header.msg_type} on ${channel}`);
    }
  }

  private async execute(channel: "shell" | "control", request: Message<"execute_request">): Promise<void> {
    const { code, user_expressions: expressions } = request.content;
    // Without the TypeScript loader a cell still runs: only what imports TypeScript fails.
    await this.cellPreparation
      ?.beforeCell(code)
      .catch((error: unknown) =>
        this.output.log(`the TypeScript loader is not registered: ${(error as Error).message}`),
      );
    const [{ tools, executor }, cellWatch] = await Promise.all([this.servicesLoaded, this.cellWatch]);
    const silent = request.content.silent ?? false;
    const storeHistory = !silent && (request.content.store_history ?? true);
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (storeHistory) this.history.record(count, code);
    const filename = storeHistory ? `<cell ${count}>` : `<code ${++this.unnamedCount}>`;
    const help = tools.parseHelpRequest(code);
    if (help !== undefined) {
      // `obj?`: not code to run, a request for the pager (as IPython's help syntax).
      if (!silent) this.publish("execute_input", { code, execution_count: count }, request.header);
      const payload = [this.origins.runFor(request.header, () => tools.pagePayload(help))];
      this.reply(channel, request, "execute_reply", {
        status: "ok",
        execution_count: count,
        payload,
        user_expressions: {},
      });
      return;
    }
    this.rememberInputOrigin(request);

    const running = new AbortController();
    this.running = running;
    let outcome;
    cellWatch?.cellStarted();
    try {
      // execute_input is published as the cell starts, from inside the script that arms
      // breakOnSigint (see CellExecutor.run); iopub sends are synchronous, so it leaves
      // even if the cell then holds the thread.
      const announce = () => {
        if (!silent) this.publish("execute_input", { code, execution_count: count }, request.header);
      };
      await this.sockets.iopubHandedOver();
      outcome = await this.origins.runFor(request.header, () => executor.run(code, filename, running.signal, announce));
    } finally {
      cellWatch?.cellEnded();
      this.running = undefined;
    }
    let reply: ExecuteReplyContent;
    if (outcome.status === "ok") {
      const value = outcome.result?.value;
      if (outcome.result && value !== undefined && !silent) {
        // A value's own _toHtml() may log: that output belongs to this cell too.
        const { data, failures } = this.origins.runFor(request.header, () => richOutput(value));
        for (const failure of failures) this.output.write("stderr", `jaffle-node: the result's ${failure}\n`);
        this.publish("execute_result", { execution_count: count, data, metadata: {} }, request.header);
        if (storeHistory) this.history.recordOutput(count, String(data["text/plain"]));
      }
      reply = {
        status: "ok",
        execution_count: count,
        payload: [],
        user_expressions: this.evaluateExpressions(expressions, tools, executor),
      };
    } else {
      this.publish("error", outcome.error, request.header);
      reply = { status: "error", execution_count: count, ...outcome.error };
      if (request.content.stop_on_error ?? true) await this.abortQueuedExecutions();
    }
    this.reply(channel, request, "execute_reply", reply);
  }

  private rememberInputOrigin(request: Message<"execute_request">): void {
    this.inputOrigins.set(request.header.msg_id, {
      header: request.header,
      identities: request.identities ?? [],
      allowStdin: request.content.allow_stdin ?? false,
    });
    // A Map iterates in insertion order: the first key is the oldest request.
    if (this.inputOrigins.size > INPUT_ORIGINS_KEPT) this.inputOrigins.delete(this.inputOrigins.keys().next().value!);
  }

  /**
   * After a failing cell, the cells queued behind it are answered "aborted" instead of
   * run, as ipykernel does with stop_on_error: they were written assuming this one works.
   * Requests already in ZeroMQ's buffers are read first (one event-loop turn).
   */
  private async abortQueuedExecutions(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    for (const message of this.shellQueue) if (message.header.msg_type === "execute_request") this.toAbort.add(message);
  }

  private async abort(request: JupyterMessage): Promise<void> {
    this.publish("status", { execution_state: "busy" }, request.header);
    this.reply("shell", request, "execute_reply", { status: "aborted", execution_count: null });
    this.publish("status", { execution_state: "idle" }, request.header);
  }

  private evaluateExpressions(
    expressions: JsonObject | undefined,
    tools: CellServices["tools"],
    executor: CellExecutor,
  ): JsonObject {
    const results: JsonObject = {};
    for (const [name, expression] of Object.entries(expressions ?? {})) {
      try {
        const value = executor.evaluate(String(expression));
        results[name] = { status: "ok", data: richOutput(value).data, metadata: {} };
      } catch (error) {
        results[name] = { status: "error", ...tools.reportError(error) };
      }
    }
    return results;
  }
}
