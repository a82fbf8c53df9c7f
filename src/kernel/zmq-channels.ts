/**
 * KernelChannels over ZeroMQ (a local kernel's connection file): the shell, iopub, stdin
 * and control sockets plus a heartbeat monitor, on zeromq v6. Every received message is
 * signature-checked; forged, replayed or malformed ones are dropped and logged as warnings.
 */
import { Dealer, Subscriber } from "zeromq";
import type { Logger } from "../log/logger.js";
import type { KernelChannels, SendChannel } from "./channels.js";
import { endpoint, type ConnectionInfo } from "./connection.js";
import type { Channel, JupyterMessage } from "./messages.js";
import { SendQueue } from "./send-queue.js";
import { RateLimitedWarning } from "./rate-limited-warning.js";
import {
  decodeMessage,
  encodeMessage,
  MalformedMessageError,
  MessageSigner,
  ReplayedMessageError,
  SignatureHistory,
} from "./wire.js";

export interface HeartbeatOptions {
  heartbeatIntervalMs?: number;
  /** Silence on the heartbeat for this long means the kernel is dead. */
  timeToDeadMs?: number;
}

/**
 * How often a socket retries a connection that failed. A client connects as soon as the
 * kernel is spawned, long before the kernel has bound its ports; at ZeroMQ's default
 * (100 ms) the first answer waited for the next retry, on average half of that, on every
 * channel. A refused connect on loopback costs microseconds, so retry often.
 */
const RECONNECT_INTERVAL_MS = 10;
const SOCKET_OPTIONS = { linger: 0, reconnectInterval: RECONNECT_INTERVAL_MS } as const;

export class ZmqChannels implements KernelChannels {
  private readonly signer: MessageSigner;
  // shell, control and stdin share one routing id (the session, as jupyter_client does):
  // a kernel sends input_request on stdin to the identity the execute_request came from.
  private readonly shell: Dealer;
  private readonly control: Dealer;
  private readonly stdin: Dealer;
  private readonly iopub = new Subscriber(SOCKET_OPTIONS);
  private readonly hb = new Dealer(SOCKET_OPTIONS);
  private readonly queues: Record<SendChannel | "hb", SendQueue>;
  /** Signatures seen recently: a replayed (identical) signed message is dropped like a forged one. */
  private readonly seenSignatures = new SignatureHistory();
  /** Dropped messages are warned about at a bounded rate (a flood of forgeries, one line per interval). */
  private dropWarning: RateLimitedWarning | undefined;
  private heartbeatTimer?: NodeJS.Timeout;
  private lastHeartbeat = Date.now();
  private closed = false;

  constructor(
    readonly connection: ConnectionInfo,
    session: string,
    private readonly logger: Logger,
    private readonly heartbeat: HeartbeatOptions = {},
  ) {
    this.signer = new MessageSigner(connection.key, connection.signature_scheme);
    this.shell = new Dealer({ ...SOCKET_OPTIONS, routingId: session });
    this.control = new Dealer({ ...SOCKET_OPTIONS, routingId: session });
    this.stdin = new Dealer({ ...SOCKET_OPTIONS, routingId: session });
    this.queues = {
      shell: new SendQueue(this.shell),
      control: new SendQueue(this.control),
      stdin: new SendQueue(this.stdin),
      hb: new SendQueue(this.hb),
    };
  }

  open(deliver: (msg: JupyterMessage, channel: Channel) => void): void {
    const info = this.connection;
    this.shell.connect(endpoint(info, "shell"));
    this.control.connect(endpoint(info, "control"));
    this.stdin.connect(endpoint(info, "stdin"));
    this.iopub.connect(endpoint(info, "iopub"));
    this.iopub.subscribe();
    this.hb.connect(endpoint(info, "hb"));
    void this.receiveLoop(this.shell, "shell", deliver);
    void this.receiveLoop(this.control, "control", deliver);
    void this.receiveLoop(this.stdin, "stdin", deliver);
    void this.receiveLoop(this.iopub, "iopub", deliver);
    void this.heartbeatReceiveLoop();
  }

  send(channel: SendChannel, msg: JupyterMessage): Promise<void> {
    return this.queues[channel].send(encodeMessage(msg, this.signer));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.dropWarning?.flush();
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.hb]) {
      if (!socket.closed) socket.close();
    }
  }

  private async receiveLoop(
    socket: Dealer | Subscriber,
    channel: Channel,
    deliver: (msg: JupyterMessage, channel: Channel) => void,
  ): Promise<void> {
    try {
      for await (const frames of socket) {
        const msg = this.decode(frames, channel);
        if (msg) deliver(msg, channel);
      }
    } catch (error) {
      if (!this.closed) this.logger.warning(`${channel} channel stopped: ${(error as Error).message}`);
    }
  }

  /** Verifies and parses; anything forged, replayed or malformed is logged and dropped. */
  private decode(frames: Buffer[], channel: Channel): JupyterMessage | undefined {
    try {
      return decodeMessage(frames, this.signer, this.seenSignatures);
    } catch (error) {
      const kind =
        error instanceof ReplayedMessageError
          ? "that is a replay"
          : error instanceof MalformedMessageError
            ? "that is malformed"
            : "with an invalid signature";
      this.dropWarning ??= new RateLimitedWarning((line) => this.logger.warning(line));
      this.dropWarning.warn(
        `${kind} on ${channel}`,
        `dropped a message ${kind} on ${channel}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  // -------------------------------------------------------------------------------------
  // Heartbeat
  // -------------------------------------------------------------------------------------

  /**
   * Pings go through a DEALER with an empty envelope frame, which both a REP heartbeat
   * (jupyter_client's convention) and ipykernel's echoing ROUTER send back; unlike REQ,
   * a lost ping cannot wedge the socket.
   */
  private async heartbeatReceiveLoop(): Promise<void> {
    try {
      for await (const _frames of this.hb) this.lastHeartbeat = Date.now();
    } catch {
      /* closed */
    }
  }

  watch(onDead: (reason: string) => void): void {
    const interval = this.heartbeat.heartbeatIntervalMs ?? 1000;
    const timeToDead = this.heartbeat.timeToDeadMs ?? 10_000;
    this.lastHeartbeat = Date.now();
    this.heartbeatTimer = setInterval(() => {
      const silentFor = Date.now() - this.lastHeartbeat;
      if (silentFor > timeToDead) {
        this.unwatch();
        onDead(`no heartbeat for ${Math.round(silentFor / 1000)} s`);
        return;
      }
      this.queues.hb.send([Buffer.alloc(0), Buffer.from(String(Date.now()))]).catch(() => undefined);
    }, interval);
    // The heartbeat alone must not keep a finished program alive.
    this.heartbeatTimer.unref();
  }

  unwatch(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}
