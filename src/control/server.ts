/**
 * The supervisor's end of the control channel: a Unix socket in the runtime directory
 * that answers the requests of protocol.ts.
 *
 * Who may talk to it: Node cannot read a Unix socket peer's credentials
 * (SO_PEERCRED), so the check is done with what it can enforce. The socket is created
 * with mode 0600 (umask set around bind, then chmod) inside the 0700 runtime
 * directory, so the kernel refuses `connect()` to other users (EACCES); and every
 * request must carry the content of `control.token`, a random 256-bit value in a 0600
 * file, compared in constant time: a request from anyone who cannot read that file is
 * refused even if the socket were reachable (a directory made group-accessible later).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import type { LogRecord } from "../log/hub.js";
import type { Logger } from "../log/logger.js";
import type { RuntimeStatus } from "../runtime/status.js";
import type { LogRing } from "./log-ring.js";
import {
  encode,
  parseRequest,
  PROTOCOL_VERSION,
  readLines,
  ProtocolError,
  SOCKET_FILE,
  TOKEN_FILE,
  type ControlResults,
  type RequestMessage,
  type ResponseMessage,
} from "./protocol.js";

/** What the supervisor does for each command; a rejection's message is the one-line error. */
export interface ControlHandlers {
  status(): RuntimeStatus;
  /** Begins the shutdown; the answer goes out before it gets far. */
  stop(reason: string): void;
  /** One line per restarted name, in order; rejects at the first that failed. */
  restart(names: string[]): Promise<string[]>;
  reload(): Promise<ControlResults["reload"]>;
}

/** A follower that stopped reading: past this much unsent output it is cut off. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** Longest request line accepted. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Linux's sun_path holds 108 bytes, the final NUL included. */
const MAX_SOCKET_PATH = 107;

export class ControlServer {
  readonly #server: Server;
  readonly #token: Buffer;
  readonly #sockets = new Set<Socket>();
  readonly #closers = new Set<() => void>();

  private constructor(
    server: Server,
    token: Buffer,
    readonly path: string,
    private readonly handlers: ControlHandlers,
    private readonly ring: LogRing,
    private readonly logger: Logger,
  ) {
    this.#server = server;
    this.#token = token;
    server.on("connection", (socket) => this.#accept(socket));
  }

  /**
   * Listens on `<runtimeDir>/control.sock`. Resolves undefined (after a warning) when the
   * socket cannot be made: the run goes on, and stop/status use the status file.
   */
  static async listen(
    runtimeDir: string,
    handlers: ControlHandlers,
    ring: LogRing,
    logger: Logger,
  ): Promise<ControlServer | undefined> {
    const path = join(runtimeDir, SOCKET_FILE);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      logger.warning(
        `no control socket: its path ${path} is longer than ${MAX_SOCKET_PATH} bytes; ` +
          `restart, logs and reload are unavailable (use a shorter --runtime-dir)`,
      );
      return undefined;
    }
    const token = randomBytes(32);
    writeFileSync(join(runtimeDir, TOKEN_FILE), token.toString("hex"), { mode: 0o600 });
    rmSync(path, { force: true });
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        // bind(2) creates the socket file with the process umask: 0177 leaves 0600, so
        // there is no moment in which the file is open to others. Node binds synchronously
        // inside listen(), so restoring the umask right after is safe.
        const previous = process.umask(0o177);
        try {
          server.listen(path, () => {
            server.off("error", reject);
            resolve();
          });
        } finally {
          process.umask(previous);
        }
      });
      chmodSync(path, 0o600);
    } catch (error) {
      server.close();
      logger.warning(`no control socket at ${path}: ${(error as Error).message}`);
      return undefined;
    }
    return new ControlServer(server, token, path, handlers, ring, logger);
  }

  /** Stops listening and hangs up on every client (followers of `logs -f` included). */
  async close(): Promise<void> {
    for (const close of this.#closers) close();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    readLines(
      socket,
      (line) => {
        if (line.trim() !== "") void this.#handle(socket, line);
      },
      {
        maxPending: MAX_REQUEST_BYTES,
        onTooLong: () => {
          this.#send(socket, { jaffle: PROTOCOL_VERSION, id: 0, ok: false, error: "request line too long" });
          socket.end();
        },
      },
    );
  }

  #send(socket: Socket, message: ResponseMessage): void {
    if (!socket.destroyed) socket.write(encode(message));
  }

  #authorised(token: string): boolean {
    const given = Buffer.from(token, "utf8");
    const expected = Buffer.from(this.#token.toString("hex"), "utf8");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async #handle(socket: Socket, line: string): Promise<void> {
    let request: RequestMessage;
    try {
      request = parseRequest(line);
    } catch (error) {
      const message = error instanceof ProtocolError ? error.message : String(error);
      this.#send(socket, { jaffle: PROTOCOL_VERSION, id: 0, ok: false, error: message });
      return;
    }
    const { id } = request;
    const answer = (result: unknown) => this.#send(socket, { jaffle: PROTOCOL_VERSION, id, ok: true, result });
    const refuse = (error: string) => this.#send(socket, { jaffle: PROTOCOL_VERSION, id, ok: false, error });
    if (!this.#authorised(request.token)) {
      this.logger.warning("control socket: refused a request without the right token");
      refuse("refused: wrong token (only the user running jaffle may control it)");
      return;
    }
    try {
      switch (request.command) {
        case "status":
          return answer(this.handlers.status() satisfies ControlResults["status"]);
        case "stop":
          answer({ pid: process.pid } satisfies ControlResults["stop"]);
          this.handlers.stop("jaffle stop");
          return;
        case "restart":
          return answer({ lines: await this.handlers.restart(request.names) } satisfies ControlResults["restart"]);
        case "reload":
          return answer((await this.handlers.reload()) satisfies ControlResults["reload"]);
        case "logs":
          return this.#logs(socket, id, request);
      }
    } catch (error) {
      refuse((error instanceof Error ? error.message : String(error)).split("\n")[0]!);
    }
  }

  #logs(socket: Socket, id: number, request: RequestMessage & { command: "logs" }): void {
    const header = { pid: process.pid, hostname: hostname() } satisfies ControlResults["logs"];
    this.#send(socket, { jaffle: PROTOCOL_VERSION, id, ok: true, result: header });
    const sendRecord = (record: LogRecord) => this.#send(socket, { jaffle: PROTOCOL_VERSION, id, record });
    // Snapshot and subscription in one synchronous step: see LogRing.
    const { backlog, unfollow } = this.ring.query(request, (record) => {
      sendRecord(record);
      if (socket.writableLength > MAX_PENDING_BYTES) {
        unfollow();
        this.#send(socket, { jaffle: PROTOCOL_VERSION, id, ok: false, error: "the reader fell too far behind" });
        socket.end();
      }
    });
    for (const record of backlog) sendRecord(record);
    if (!request.follow) {
      socket.end();
      return;
    }
    this.#closers.add(unfollow);
    socket.on("close", () => {
      unfollow();
      this.#closers.delete(unfollow);
    });
  }
}
