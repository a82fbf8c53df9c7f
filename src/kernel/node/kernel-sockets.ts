/**
 * The kernel side of the wire: binds shell, control and stdin (ROUTER) and iopub (XPUB, a
 * PUB that also tells who subscribes: see iopub-audience.ts) on the connection file's
 * address, verifies every incoming message, and sends through one queue per socket
 * (zeromq v6 allows a single pending send). The heartbeat has its own thread (heartbeat.ts).
 */
import { randomUUID } from "node:crypto";
import { Router, XPublisher } from "zeromq";
import { endpoint, type ConnectionInfo } from "../connection.js";
import type { JupyterMessage } from "../messages.js";
import { SendQueue } from "../send-queue.js";
import { decodeMessage, encodeMessage, MalformedMessageError, MessageSigner, SignatureHistory } from "../wire.js";
import { IopubAudience } from "./iopub-audience.js";

export type InboundChannel = "shell" | "control" | "stdin";
export type OutboundChannel = InboundChannel | "iopub";

export interface SocketEvents {
  message(channel: InboundChannel, message: JupyterMessage): void;
  /** A message that was dropped: bad signature, a replay, or not a Jupyter message; `kind` groups a flood. */
  rejected(channel: InboundChannel, reason: string, kind: string): void;
}

/** How long close() lets queued messages (the shutdown reply) leave before dropping them. */
const LINGER_MS = 1_000;

export class KernelSockets {
  /** The kernel's identity on iopub topics (`kernel.<id>.<msg_type>`, as ipykernel names them). */
  readonly kernelId = randomUUID();
  private readonly signer: MessageSigner;
  /** One history for all channels: a message captured on one must not be replayed on another. */
  private readonly signatures = new SignatureHistory();
  private readonly routers: Record<InboundChannel, Router>;
  private readonly iopub: XPublisher;
  /** Who subscribes to iopub; the kernel holds shell requests while nobody does. */
  readonly audience = new IopubAudience();
  /** Replies go through a queue each; iopub has its own ordering (see send()). */
  private readonly queues: Record<InboundChannel, SendQueue>;
  /** iopub messages given to send() that ZeroMQ has not taken yet (queued or in flight). */
  private iopubPending = 0;
  /** Settles when the last iopub message given to send() has been taken (or failed). */
  private iopubTail: Promise<unknown> = Promise.resolve();

  private constructor(info: ConnectionInfo) {
    this.signer = new MessageSigner(info.key, info.signature_scheme);
    this.routers = {
      shell: new Router({ linger: LINGER_MS }),
      control: new Router({ linger: LINGER_MS }),
      stdin: new Router({ linger: LINGER_MS }),
    };
    this.iopub = new XPublisher({ linger: LINGER_MS });
    this.queues = {
      shell: new SendQueue(this.routers.shell),
      control: new SendQueue(this.routers.control),
      stdin: new SendQueue(this.routers.stdin),
    };
  }

  static async bind(info: ConnectionInfo): Promise<KernelSockets> {
    const sockets = new KernelSockets(info);
    try {
      await Promise.all([
        sockets.routers.shell.bind(endpoint(info, "shell")),
        sockets.routers.control.bind(endpoint(info, "control")),
        sockets.routers.stdin.bind(endpoint(info, "stdin")),
        sockets.iopub.bind(endpoint(info, "iopub")),
      ]);
    } catch (error) {
      sockets.close();
      throw error;
    }
    return sockets;
  }

  /** Starts reading the inbound channels and iopub's subscriptions; each loop ends when its socket closes. */
  listen(events: SocketEvents): void {
    for (const channel of ["shell", "control", "stdin"] as const) void this.receive(channel, events);
    void this.readSubscriptions();
  }

  private async readSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.iopub) if (frame !== undefined) this.audience.subscription(frame);
    } catch {
      // Only a close ends it; a closed kernel has nobody to hold requests for.
    }
  }

  private async receive(channel: InboundChannel, events: SocketEvents): Promise<void> {
    const socket = this.routers[channel];
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = decodeMessage(frames, this.signer, this.signatures);
        } catch (error) {
          const reason =
            error instanceof MalformedMessageError ? `malformed message: ${error.message}` : (error as Error).message;
          events.rejected(channel, reason, (error as Error).name);
          continue;
        }
        events.message(channel, message);
      }
    } catch (error) {
      if (!socket.closed) events.rejected(channel, `receive failed: ${(error as Error).message}`, "receive failed");
    }
  }

  send(channel: OutboundChannel, message: JupyterMessage): Promise<void> {
    if (channel !== "iopub") return this.queues[channel].send(encodeMessage(message, this.signer));
    message.identities = [Buffer.from(`kernel.${this.kernelId}.${message.header.msg_type}`)];
    const frames = encodeMessage(message, this.signer);
    // zeromq allows one send in flight per socket (a second one throws EBUSY at once).
    // With nothing ahead, the message is handed over right away: a PUB socket never waits
    // for a peer, so ZeroMQ takes it before send() returns, and it leaves even if a
    // synchronous cell holds the thread next (execute_input, see iopubHandedOver()).
    // With messages ahead, it waits its turn, so iopub keeps the order of the calls.
    const transmit = (): Promise<void> => this.iopub.send(frames);
    let sent: Promise<void>;
    if (this.iopubPending === 0) {
      try {
        sent = transmit();
      } catch (error) {
        sent = Promise.reject(error as Error);
      }
    } else {
      sent = this.iopubTail.then(transmit);
    }
    this.iopubPending++;
    this.iopubTail = sent.then(
      () => void this.iopubPending--,
      () => void this.iopubPending--,
    );
    return sent;
  }

  /**
   * Resolves once every iopub message sent so far has been taken by ZeroMQ, so that the
   * next one is handed over synchronously. The kernel awaits this before running a cell.
   */
  iopubHandedOver(): Promise<void> {
    return this.iopubTail.then(() => undefined);
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  async drained(): Promise<void> {
    await Promise.all([this.iopubTail, ...Object.values(this.queues).map((queue) => queue.drained())]);
  }

  close(): void {
    for (const socket of [...Object.values(this.routers), this.iopub]) if (!socket.closed) socket.close();
  }
}
