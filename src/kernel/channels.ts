/**
 * The transport under a KernelClient: how Jupyter messages get to and from one kernel.
 * Two implementations exist: ZeroMQ sockets to a local kernel (zmq-channels.ts, signed
 * with the connection file's key) and the channels WebSocket of a Jupyter Server or
 * gateway (gateway/ws-channels.ts, authenticated by the server's token). The client on
 * top (request/reply matching, execute outputs, stdin) is the same for both.
 */
import type { Channel, JupyterMessage } from "./messages.js";

/** The channels a client writes to (iopub is receive-only). */
export type SendChannel = "shell" | "control" | "stdin";

export interface KernelChannels {
  /** Starts receiving: every message that passes the transport's checks goes to `deliver`. */
  open(deliver: (msg: JupyterMessage, channel: Channel) => void): void;
  /** Resolves once the message is handed to the transport. */
  send(channel: SendChannel, msg: JupyterMessage): Promise<void>;
  /** From now on, calls `onDead` once if the kernel stops answering (heartbeat, server report). */
  watch(onDead: (reason: string) => void): void;
  /** Stops watching (a deliberate shutdown is not a death). */
  unwatch(): void;
  /** Releases every socket; safe to call more than once. */
  close(): void;
}
