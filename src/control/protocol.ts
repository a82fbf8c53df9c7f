/**
 * The control protocol between a running supervisor and the `jaffle` commands that talk
 * to it (stop, status, restart, logs, reload): JSON, one message per line, over the Unix
 * socket `control.sock` of the runtime directory.
 *
 *   client ─► {"jaffle":1,"id":1,"token":"…","command":"restart","names":["web"]}
 *   server ─► {"jaffle":1,"id":1,"ok":true,"result":…}       (or "ok":false,"error":"one line")
 *
 * `logs` answers `ok` first (the result names the writer's pid and host, for pino's
 * format), then one `{"jaffle":1,"id":1,"record":{…}}` line per log line; without
 * `follow` the server then closes the connection, with it the lines go on until the
 * client hangs up (or the supervisor ends). Every message carries the protocol version;
 * a server answers a version it does not speak with an error naming both versions, so
 * an old CLI and a new supervisor fail with a clear line, never a misread.
 *
 * `token` is the content of `control.token` (mode 0600, next to the socket): only a
 * user who can read that file can give orders, on top of the socket's own 0600 mode.
 */
import type { Socket } from "node:net";
import { JaffleError } from "../errors.js";
import type { LogRecord } from "../log/hub.js";
import type { RuntimeStatus } from "../runtime/status.js";

export const PROTOCOL_VERSION = 1;
export const SOCKET_FILE = "control.sock";
export const TOKEN_FILE = "control.token";

export interface LogsQuery {
  /** Sources to show (a block's label or its logger's display name); empty: all. */
  names: string[];
  /** At most this many lines from the ring (the last ones); undefined: all it holds. */
  lines?: number;
  /** Only lines logged at or after this time (ms since the epoch). */
  since?: number;
  /** Then go on with every new line until the client hangs up. */
  follow: boolean;
}

export type ControlRequest =
  | { command: "status" }
  | { command: "stop" }
  | { command: "restart"; names: string[] }
  | { command: "reload" }
  | ({ command: "logs" } & LogsQuery);

export type CommandName = ControlRequest["command"];

/** What each command's `ok` answer carries. */
export interface ControlResults {
  status: RuntimeStatus;
  stop: { pid: number };
  restart: { lines: string[] };
  /** The reload's log line, and how many blocks failed to start. */
  reload: { line: string; failures: number };
  /** The writer of the lines: pino's JSON format names them. */
  logs: { pid: number; hostname: string };
}

export type Envelope = { jaffle: number; id: number };
export type RequestMessage = Envelope & { token: string } & ControlRequest;
export type ResponseMessage =
  | (Envelope & { ok: true; result: unknown })
  | (Envelope & { ok: false; error: string })
  | (Envelope & { record: LogRecord });

const COMMANDS: readonly CommandName[] = ["status", "stop", "restart", "reload", "logs"];

/** Thrown for a line that is not a valid request; the message is sent back as the error. */
export class ProtocolError extends JaffleError {}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** Parses and checks one request line. */
export function parseRequest(line: string): RequestMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError("not a JSON line");
  }
  if (value === null || typeof value !== "object") throw new ProtocolError("a request is a JSON object");
  const message = value as Record<string, unknown>;
  if (message.jaffle !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `protocol version ${JSON.stringify(message.jaffle)} is not supported (this jaffle speaks ${PROTOCOL_VERSION})`,
    );
  }
  if (typeof message.id !== "number") throw new ProtocolError("a request needs a numeric id");
  if (typeof message.token !== "string") throw new ProtocolError("a request needs the token");
  const command = message.command as CommandName;
  if (!COMMANDS.includes(command)) throw new ProtocolError(`unknown command ${JSON.stringify(message.command)}`);
  if (command === "restart" && (!isStringList(message.names) || message.names.length === 0)) {
    throw new ProtocolError("restart needs a list of names");
  }
  if (command === "logs") {
    const { names, lines, since, follow } = message;
    if (!isStringList(names)) throw new ProtocolError("logs needs a list of names (empty: all)");
    if (lines !== undefined && (typeof lines !== "number" || !Number.isInteger(lines) || lines < 0)) {
      throw new ProtocolError("logs: lines must be a whole number >= 0");
    }
    if (since !== undefined && typeof since !== "number") throw new ProtocolError("logs: since must be a time in ms");
    if (typeof follow !== "boolean") throw new ProtocolError("logs: follow must be true or false");
  }
  return message as unknown as RequestMessage;
}

/**
 * Feeds each complete line a socket sends to `onLine`, in order; both ends read the
 * protocol through this. A partial line waits for the rest; past `maxPending` characters
 * without a newline `onTooLong` is called once per chunk (a peer that never ends a line
 * must not grow our memory).
 */
export function readLines(
  socket: Socket,
  onLine: (line: string) => void,
  limit?: { maxPending: number; onTooLong: () => void },
): void {
  socket.setEncoding("utf8");
  let pending = "";
  socket.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      onLine(line);
    }
    if (limit !== undefined && pending.length > limit.maxPending) limit.onTooLong();
  });
}

export function encode(message: RequestMessage | ResponseMessage): string {
  return JSON.stringify(message) + "\n";
}
