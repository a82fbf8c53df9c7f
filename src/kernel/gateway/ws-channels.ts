/**
 * KernelChannels over a Jupyter Server's channels WebSocket
 * (`/api/kernels/{id}/channels`), on the `ws` package. One socket carries all four
 * channels; see codec.ts for the formats. The subprotocol `v1.kernel.websocket.jupyter.org`
 * is asked for and used when the server selects it; a server that does not know it gets
 * the legacy JSON format.
 *
 * Messages arriving here carry no HMAC signature (the server strips them; see codec.ts):
 * the channel is authenticated by the token sent with the upgrade request.
 *
 * A dropped socket is reopened with backoff (each attempt logged) while sends wait in a
 * queue. The kernel counts as dead, and `watch`'s callback fires, when the server says so:
 * the upgrade answers 404 (the kernel is gone), the token is rejected, or the server
 * announces `dead`/`restarting` on iopub (its own restarter replaced the kernel process,
 * so everything jaffle set up in it is gone).
 */
import WebSocket from "ws";
import type { Logger } from "../../log/logger.js";
import type { KernelChannels, SendChannel } from "../channels.js";
import type { Channel, JupyterMessage } from "../messages.js";
import { CodecError, decodeWsMessage, encodeWsMessage, V1_PROTOCOL, type WireFormat } from "./codec.js";
import { GatewayError, networkReason, type GatewayRest } from "./rest.js";
import { JaffleError } from "../../errors.js";

const FIRST_RECONNECT_DELAY_MS = 250;
const MAX_RECONNECT_DELAY_MS = 5_000;
/** A ping without a pong for this long means the connection is half-open: drop it. */
const PING_INTERVAL_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;

interface Outgoing {
  resolve: () => void;
  reject: (error: Error) => void;
  channel: SendChannel;
  msg: JupyterMessage;
}

export class WebSocketChannels implements KernelChannels {
  private socket: WebSocket | undefined;
  private format: WireFormat = "v1";
  private deliver: ((msg: JupyterMessage, channel: Channel) => void) | undefined;
  private readonly early: [JupyterMessage, Channel][] = [];
  private readonly outbox: Outgoing[] = [];
  private onDead: ((reason: string) => void) | undefined;
  private deadReason: string | undefined;
  private closed = false;
  private reconnectDelay = FIRST_RECONNECT_DELAY_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private attempts = 0;

  private constructor(
    private readonly rest: GatewayRest,
    readonly kernelId: string,
    private readonly session: string,
    private readonly logger: Logger,
  ) {}

  /** Opens the first connection; rejects with a one-line GatewayError if it cannot. */
  static async connect(
    rest: GatewayRest,
    kernelId: string,
    session: string,
    logger: Logger,
  ): Promise<WebSocketChannels> {
    const channels = new WebSocketChannels(rest, kernelId, session, logger);
    channels.adopt(await channels.dial());
    return channels;
  }

  open(deliver: (msg: JupyterMessage, channel: Channel) => void): void {
    this.deliver = deliver;
    for (const [msg, channel] of this.early.splice(0)) deliver(msg, channel);
  }

  send(channel: SendChannel, msg: JupyterMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error("kernel channels closed"));
    return new Promise<void>((resolve, reject) => {
      this.outbox.push({ resolve, reject, channel, msg });
      this.flush();
    });
  }

  watch(onDead: (reason: string) => void): void {
    this.onDead = onDead;
    if (this.deadReason !== undefined) onDead(this.deadReason);
  }

  unwatch(): void {
    this.onDead = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopPinging();
    for (const item of this.outbox.splice(0)) item.reject(new Error("kernel channels closed"));
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  // -------------------------------------------------------------------------------------

  private channelsUrl(): URL {
    const url = this.rest.url(`api/kernels/${encodeURIComponent(this.kernelId)}/channels`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("session_id", this.session);
    return url;
  }

  /** One connection attempt; a server that does not offer v1 is asked again in JSON. */
  private async dial(): Promise<WebSocket> {
    try {
      return await this.dialOnce(this.format);
    } catch (error) {
      if (this.format === "v1" && error instanceof SubprotocolRefused) {
        this.logger.debug(`${this.rest.server} does not offer ${V1_PROTOCOL}; using the JSON message format`);
        this.format = "json";
        return this.dialOnce("json");
      }
      throw error;
    }
  }

  private dialOnce(format: WireFormat): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.channelsUrl(), format === "v1" ? [V1_PROTOCOL] : [], {
        headers: this.rest.authHeaders(),
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        perMessageDeflate: false,
      });
      const where = `the kernel channels of ${this.kernelId} on ${this.rest.server}`;
      const fail = (error: Error) => {
        socket.removeAllListeners();
        socket.on("error", () => undefined);
        socket.terminate();
        reject(error);
      };
      socket.once("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        if (status === 401 || status === 403)
          fail(
            new GatewayError(
              "unauthorized",
              `the Jupyter server at ${this.rest.server} rejected the token (HTTP ${status})`,
            ),
          );
        else if (status === 404)
          fail(new GatewayError("not-found", `the server no longer has kernel ${this.kernelId}`));
        else fail(new GatewayError("refused", `${where}: HTTP ${status}`));
      });
      socket.once("error", (error) => {
        if (/Server sent no subprotocol/.test(error.message)) fail(new SubprotocolRefused());
        else fail(new GatewayError("unreachable", `cannot reach ${where}: ${networkReason(error)}`));
      });
      socket.once("open", () => {
        socket.removeAllListeners();
        resolve(socket);
      });
    });
  }

  private adopt(socket: WebSocket): void {
    this.socket = socket;
    this.format = socket.protocol === V1_PROTOCOL ? "v1" : "json";
    socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    socket.on("error", (error) => this.logger.debug(`kernel WebSocket: ${networkReason(error)}`));
    socket.on("close", (code) => this.onClose(socket, code));
    this.startPinging(socket);
    this.flush();
  }

  private flush(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    for (const item of this.outbox.splice(0)) {
      // Encoded only now: the format is known once the server has picked a subprotocol.
      const data = encodeWsMessage(item.msg, item.channel, this.format);
      socket.send(data, (error) => (error ? item.reject(error) : item.resolve()));
    }
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    let decoded;
    try {
      decoded = decodeWsMessage(buffer, isBinary, this.format);
    } catch (error) {
      const why = error instanceof CodecError ? error.message : String(error);
      this.logger.warning(`dropped a message from ${this.rest.server}: ${why}`);
      return;
    }
    const { msg, channel } = decoded;
    if (this.deliver) this.deliver(msg, channel);
    else this.early.push([msg, channel]);
    if (channel === "iopub" && msg.header.msg_type === "status") {
      const state = (msg.content as { execution_state?: string }).execution_state;
      // Sent by the server itself (no parent): its restarter found the kernel dead.
      if (state === "dead") this.die(`the server reports kernel ${this.kernelId} dead`);
      if (state === "restarting")
        this.die(`the server restarted kernel ${this.kernelId} after it died; its state is gone`);
    }
  }

  private die(reason: string): void {
    if (this.deadReason !== undefined) return;
    this.deadReason = reason;
    this.onDead?.(reason);
  }

  private onClose(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    this.stopPinging();
    this.socket = undefined;
    if (this.closed || this.deadReason !== undefined) return;
    this.logger.warning(
      `lost the WebSocket to kernel ${this.kernelId} on ${this.rest.server} (code ${code}); reconnecting`,
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(MAX_RECONNECT_DELAY_MS, delay * 2);
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    this.attempts += 1;
    let socket: WebSocket;
    try {
      socket = await this.dial();
    } catch (error) {
      if (this.closed) return;
      const kind = error instanceof GatewayError ? error.kind : "unreachable";
      if (kind === "not-found" || kind === "unauthorized") {
        this.logger.error((error as Error).message);
        this.die((error as Error).message);
        return;
      }
      this.logger.warning(
        `${(error as Error).message} (attempt ${this.attempts}; next in ${(this.reconnectDelay / 1000).toFixed(1)} s)`,
      );
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      socket.terminate();
      return;
    }
    this.logger.info(`reconnected to kernel ${this.kernelId} on ${this.rest.server} after ${this.attempts} attempt(s)`);
    this.attempts = 0;
    this.reconnectDelay = FIRST_RECONNECT_DELAY_MS;
    this.adopt(socket);
  }

  private startPinging(socket: WebSocket): void {
    let answered = true;
    socket.on("pong", () => (answered = true));
    this.pingTimer = setInterval(() => {
      if (!answered) {
        this.logger.warning(`kernel WebSocket to ${this.rest.server} answers no pings; dropping it`);
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  private stopPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}

/** The server did not pick the v1 subprotocol: ask again with the JSON format. */
class SubprotocolRefused extends JaffleError {
  constructor() {
    super("the server offers no kernel WebSocket subprotocol");
  }
}
