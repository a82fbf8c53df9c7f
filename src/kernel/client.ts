/**
 * A Jupyter client: requests on the shell, control and stdin channels of one kernel and
 * its iopub stream, over a KernelChannels transport (ZeroMQ to a local kernel, or the
 * WebSocket of a Jupyter Server; see channels.ts). Requests resolve with their reply;
 * `execute` also gathers the request's iopub outputs and resolves only once the kernel
 * has gone idle for it, so every output is in.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { userInfo } from "node:os";
import type { Logger } from "../log/logger.js";
import type { KernelChannels } from "./channels.js";
import type { ConnectionInfo } from "./connection.js";
import { signalGroup } from "../process/groups.js";
import {
  createMessage,
  isMessageType,
  parentMsgId,
  type Channel,
  type ContentMap,
  type ExecuteReplyContent,
  type HistoryRequestContent,
  type JsonObject,
  type JupyterMessage,
  type KernelInfoReplyContent,
  type MessageType,
  type ReplyTypeOf,
  type RequestType,
} from "./messages.js";
import { ZmqChannels } from "./zmq-channels.js";
import { JaffleError } from "../errors.js";

/** The kernel died or stopped answering heartbeats; every pending request fails with this. */
export class KernelDeadError extends JaffleError {
  constructor(readonly reason: string) {
    super(`kernel is dead: ${reason}`);
  }
}

/** A request got no answer in time. */
export class KernelTimeoutError extends JaffleError {
  constructor(what: string, timeoutMs: number) {
    super(`${what} got no reply within ${timeoutMs} ms`);
  }
}

export interface KernelClientOptions {
  logger: Logger;
  /** The session id of every message sent (default: a fresh UUID). */
  session?: string;
  /**
   * From the kernelspec; `signal` needs `pid` (the kernel leads its own process group);
   * `remote` asks the server that runs the kernel (see `remoteInterrupt`).
   */
  interruptMode?: "signal" | "message" | "remote";
  pid?: number;
  /** For `interruptMode: "remote"`: the gateway's REST interrupt. */
  remoteInterrupt?: () => Promise<void>;
  /** How long `connect` waits for the kernel to answer kernel_info and publish on iopub. */
  readyTimeoutMs?: number;
  /** Aborting gives up a `connect` still waiting for the kernel (the launcher: kernel exited). */
  signal?: AbortSignal;
  heartbeatIntervalMs?: number;
  /** Silence on the heartbeat for this long means the kernel is dead. */
  timeToDeadMs?: number;
}

export interface ExecuteOptions {
  silent?: boolean;
  storeHistory?: boolean;
  allowStdin?: boolean;
  stopOnError?: boolean;
  userExpressions?: JsonObject;
  /** Every iopub message of this request (status, execute_input and outputs), as it arrives. */
  onOutput?: (msg: JupyterMessage) => void;
  /** Answers the kernel's `input_request` when `allowStdin` is set. */
  onInput?: (prompt: string, password: boolean) => Promise<string>;
  timeoutMs?: number;
}

/** iopub message types that are outputs of an execution (what a notebook cell would keep). */
const OUTPUT_TYPES: ReadonlySet<string> = new Set([
  "stream",
  "execute_result",
  "display_data",
  "update_display_data",
  "error",
  "clear_output",
]);

export interface ExecuteResult {
  msgId: string;
  reply: JupyterMessage<"execute_reply">;
  /** stream, execute_result, display_data, update_display_data, error and clear_output messages. */
  outputs: JupyterMessage[];
}

interface PendingRequest {
  msgId: string;
  what: string;
  replyType: MessageType;
  reply?: JupyterMessage;
  /** For execute: resolved once both the reply and `status: idle` have arrived. */
  waitForIdle: boolean;
  idle: boolean;
  onIopub?: (msg: JupyterMessage) => void;
  onInput?: (prompt: string, password: boolean) => Promise<string>;
  resolve: (reply: JupyterMessage) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

type ClientEvents = {
  iopub: [msg: JupyterMessage];
  dead: [reason: string];
};

export class KernelClient extends EventEmitter<ClientEvents> {
  readonly session: string;
  readonly username: string;
  /** The kernel_info_reply received while connecting. */
  info!: KernelInfoReplyContent;

  private readonly channels: KernelChannels;
  private readonly pending = new Map<string, PendingRequest>();
  private iopubSeen = false;
  private iopubWaiters: (() => void)[] = [];
  private state: "open" | "dead" | "closed" = "open";

  private constructor(
    channels: KernelChannels | ((session: string) => KernelChannels),
    private readonly options: KernelClientOptions,
  ) {
    super();
    this.session = options.session ?? randomUUID();
    this.username = safeUsername();
    this.channels = typeof channels === "function" ? channels(this.session) : channels;
  }

  /** The connection file's contents of a local (ZeroMQ) kernel; a remote kernel has none. */
  get connection(): ConnectionInfo {
    if (this.channels instanceof ZmqChannels) return this.channels.connection;
    throw new Error("a kernel reached through a Jupyter server has no connection file");
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get alive(): boolean {
    return this.state === "open";
  }

  /**
   * Connects all channels and waits until the kernel answers `kernel_info` and its iopub
   * messages reach us (a SUB socket misses what is published before it is connected, so
   * an execute sent earlier could lose its outputs). Rejects after `readyTimeoutMs`.
   */
  static connect(info: ConnectionInfo, options: KernelClientOptions): Promise<KernelClient> {
    return KernelClient.over((session) => new ZmqChannels(info, session, options.logger, options), options);
  }

  /**
   * As `connect`, over any transport. A function gets the client's session id first (the
   * ZeroMQ sockets use it as their routing id).
   */
  static async over(
    channels: KernelChannels | ((session: string) => KernelChannels),
    options: KernelClientOptions,
  ): Promise<KernelClient> {
    const client = new KernelClient(channels, options);
    try {
      client.channels.open((msg, channel) => client.dispatch(msg, channel));
      await client.waitUntilReady(options.readyTimeoutMs ?? 30_000, options.signal);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  private async waitUntilReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const remaining = () => Math.max(1, deadline - Date.now());
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error("connect aborted"));
      signal?.addEventListener(
        "abort",
        () => reject(signal.reason instanceof Error ? signal.reason : new Error("connect aborted")),
        { once: true },
      );
    });
    aborted.catch(() => undefined);
    const reply = await Promise.race([this.request("shell", "kernel_info_request", {}, remaining()), aborted]);
    this.info = reply.content as KernelInfoReplyContent;
    // The first kernel_info may have been answered before our subscription took effect;
    // ask again (briefly) until one of its iopub status messages reaches us.
    let wait = 100;
    while (!this.iopubSeen) {
      if (Date.now() >= deadline) throw new KernelTimeoutError("iopub channel (kernel_info status)", timeoutMs);
      const seen = new Promise<void>((resolve) => this.iopubWaiters.push(resolve));
      const requested = this.request("shell", "kernel_info_request", {}, remaining());
      requested.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        seen,
        aborted,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(wait, remaining())))),
      ]);
      clearTimeout(timer);
      wait = Math.min(wait * 2, 1000);
    }
    this.channels.watch((reason) => this.markDead(reason));
  }

  // -------------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------------

  async kernelInfo(timeoutMs?: number): Promise<JupyterMessage<"kernel_info_reply">> {
    return this.request("shell", "kernel_info_request", {}, timeoutMs);
  }

  /**
   * Runs code. Resolves after the execute_reply AND the request's `status: idle` have
   * arrived, so `outputs` is complete. An error in the code is not a rejection: it is
   * `reply.content.status === "error"` plus an `error` output.
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const outputs: JupyterMessage[] = [];
    const msg = createMessage(
      "execute_request",
      {
        code,
        silent: options.silent ?? false,
        store_history: options.storeHistory ?? !(options.silent ?? false),
        user_expressions: options.userExpressions ?? {},
        allow_stdin: options.allowStdin ?? false,
        stop_on_error: options.stopOnError ?? true,
      },
      { session: this.session, username: this.username },
    );
    const reply = await this.send("shell", msg, "execute_reply", options.timeoutMs, {
      waitForIdle: true,
      onIopub: (output) => {
        if (OUTPUT_TYPES.has(output.header.msg_type)) outputs.push(output);
        options.onOutput?.(output);
      },
      onInput: options.onInput,
    });
    return { msgId: msg.header.msg_id, reply: reply as JupyterMessage<"execute_reply">, outputs };
  }

  async complete(
    code: string,
    cursorPos: number = code.length,
    timeoutMs?: number,
  ): Promise<JupyterMessage<"complete_reply">> {
    return this.request("shell", "complete_request", { code, cursor_pos: cursorPos }, timeoutMs);
  }

  async inspect(
    code: string,
    cursorPos: number = code.length,
    detailLevel: 0 | 1 = 0,
    timeoutMs?: number,
  ): Promise<JupyterMessage<"inspect_reply">> {
    return this.request(
      "shell",
      "inspect_request",
      { code, cursor_pos: cursorPos, detail_level: detailLevel },
      timeoutMs,
    );
  }

  async isComplete(code: string, timeoutMs?: number): Promise<JupyterMessage<"is_complete_reply">> {
    return this.request("shell", "is_complete_request", { code }, timeoutMs);
  }

  async history(
    content: HistoryRequestContent = { output: false, raw: true, hist_access_type: "tail", n: 10 },
    timeoutMs?: number,
  ): Promise<JupyterMessage<"history_reply">> {
    return this.request("shell", "history_request", content, timeoutMs);
  }

  async commInfo(targetName?: string, timeoutMs?: number): Promise<JupyterMessage<"comm_info_reply">> {
    return this.request(
      "shell",
      "comm_info_request",
      targetName === undefined ? {} : { target_name: targetName },
      timeoutMs,
    );
  }

  /**
   * Interrupts the running cell: SIGINT to the kernel's process group when the spec says
   * `signal` and we know the pid (as jupyter_client does), the server's REST interrupt
   * for a remote kernel, otherwise `interrupt_request` on the control channel.
   */
  async interrupt(timeoutMs = 10_000): Promise<void> {
    this.assertUsable();
    if (this.options.interruptMode === "remote" && this.options.remoteInterrupt) {
      await this.options.remoteInterrupt();
      return;
    }
    if (this.options.interruptMode !== "message" && this.options.pid !== undefined) {
      if (!signalGroup(this.options.pid, "SIGINT")) throw new Error("interrupt failed: the kernel process is gone");
      return;
    }
    const reply = await this.request("control", "interrupt_request", {}, timeoutMs);
    // ipykernel 6 answers with empty content; only an explicit error is a failure.
    if (reply.content.status === "error")
      throw new Error(`interrupt failed: ${reply.content.ename}: ${reply.content.evalue}`);
  }

  /**
   * Asks the kernel to shut down (or restart) on the control channel. After a plain
   * shutdown the client stops watching the heartbeat, so the exit is not reported as a death.
   */
  async shutdown(options: { restart?: boolean; timeoutMs?: number } = {}): Promise<JupyterMessage<"shutdown_reply">> {
    const restart = options.restart ?? false;
    const reply = await this.request("control", "shutdown_request", { restart }, options.timeoutMs ?? 5000);
    if (!restart) this.channels.unwatch();
    return reply;
  }

  /** Closes every socket; pending requests fail. Safe to call more than once. */
  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.failAll(new Error("kernel client closed"));
    this.channels.close();
  }

  /**
   * Declares the kernel dead (the launcher calls this when the process exits): pending
   * requests reject with KernelDeadError, sockets close, `dead` is emitted once.
   */
  markDead(reason: string): void {
    if (this.state !== "open") return;
    this.state = "dead";
    this.failAll(new KernelDeadError(reason));
    this.channels.close();
    this.emit("dead", reason);
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }

  private assertUsable(): void {
    if (this.state === "dead") throw new KernelDeadError("the kernel died earlier");
    if (this.state === "closed") throw new Error("kernel client closed");
  }

  /** Sends a request on shell or control and resolves with its reply. */
  async request<T extends RequestType>(
    channel: "shell" | "control",
    msgType: T,
    content: ContentMap[T],
    timeoutMs?: number,
  ): Promise<JupyterMessage<ReplyTypeOf[T]>> {
    const msg = createMessage(msgType, content, { session: this.session, username: this.username });
    const replyType = msgType.replace(/_request$/, "_reply") as ReplyTypeOf[T];
    return (await this.send(channel, msg as JupyterMessage, replyType, timeoutMs)) as JupyterMessage<ReplyTypeOf[T]>;
  }

  private send(
    channel: "shell" | "control",
    msg: JupyterMessage,
    replyType: MessageType,
    timeoutMs: number | undefined,
    extra: Partial<Pick<PendingRequest, "waitForIdle" | "onIopub" | "onInput">> = {},
  ): Promise<JupyterMessage> {
    this.assertUsable();
    const msgId = msg.header.msg_id;
    const what = msg.header.msg_type;
    return new Promise<JupyterMessage>((resolve, reject) => {
      const pending: PendingRequest = {
        msgId,
        what,
        replyType,
        waitForIdle: extra.waitForIdle ?? false,
        idle: false,
        onIopub: extra.onIopub,
        onInput: extra.onInput,
        resolve,
        reject,
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.pending.delete(msgId);
          reject(new KernelTimeoutError(what, timeoutMs));
        }, timeoutMs);
      }
      this.pending.set(msgId, pending);
      this.channels.send(channel, msg).catch((error: unknown) => {
        this.settle(pending, error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  private settle(pending: PendingRequest, error?: Error): void {
    if (this.pending.get(pending.msgId) !== pending) return;
    this.pending.delete(pending.msgId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(pending.reply!);
  }

  // -------------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------------

  private dispatch(msg: JupyterMessage, channel: Channel): void {
    const parentId = parentMsgId(msg);
    const pending = parentId === undefined ? undefined : this.pending.get(parentId);
    if (channel === "iopub") {
      this.iopubSeen = true;
      for (const resolve of this.iopubWaiters.splice(0)) resolve();
      this.emit("iopub", msg);
      if (!pending) return;
      pending.onIopub?.(msg);
      if (isMessageType(msg, "status") && msg.content.execution_state === "idle") {
        pending.idle = true;
        if (pending.reply && pending.waitForIdle) this.settle(pending);
      }
      return;
    }
    if (channel === "stdin") {
      if (isMessageType(msg, "input_request")) this.answerInput(msg, pending);
      return;
    }
    if (!pending) {
      this.logger.debug(`${channel}: ignored ${msg.header.msg_type} for no pending request`);
      return;
    }
    if (msg.header.msg_type !== pending.replyType) {
      this.logger.debug(`${channel}: unexpected ${msg.header.msg_type} for ${pending.what}`);
      return;
    }
    pending.reply = msg;
    if (!pending.waitForIdle || pending.idle) this.settle(pending);
  }

  private answerInput(msg: JupyterMessage<"input_request">, pending: PendingRequest | undefined): void {
    const respond = (value: string) => {
      const reply = createMessage(
        "input_reply",
        { value },
        { session: this.session, username: this.username, parent: msg },
      );
      this.channels.send("stdin", reply).catch((error: unknown) => {
        this.logger.warning(`could not answer input_request: ${(error as Error).message}`);
      });
    };
    if (!pending?.onInput) {
      // The kernel blocks until it gets an answer; an empty line lets it carry on.
      this.logger.warning(
        `kernel asked for input (${JSON.stringify(msg.content.prompt)}) and nobody can answer; sent ""`,
      );
      respond("");
      return;
    }
    pending.onInput(msg.content.prompt, msg.content.password).then(respond, (error: unknown) => {
      this.logger.warning(`input for the kernel failed: ${(error as Error).message}`);
      respond("");
    });
  }
}

export type { ExecuteReplyContent };

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return "jaffle";
  }
}
