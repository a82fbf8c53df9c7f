/**
 * The CLI's end of the control channel: connects to `<runtime dir>/control.sock`, sends
 * one request with the token, and reads the answer (and, for `logs`, the records).
 */
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { JaffleError } from "../errors.js";
import type { LogRecord } from "../log/hub.js";
import {
  encode,
  PROTOCOL_VERSION,
  readLines,
  SOCKET_FILE,
  TOKEN_FILE,
  type ControlRequest,
  type ControlResults,
  type ResponseMessage,
} from "./protocol.js";

/** No supervisor answers on this runtime directory (no socket, or nobody listening). */
export class NoControlSocket extends JaffleError {
  constructor(
    readonly runtimeDir: string,
    why: string,
  ) {
    // Nothing running where the user pointed: their environment, not a bug.
    super(`no jaffle answers on ${join(runtimeDir, SOCKET_FILE)}: ${why}`, { userFault: true });
  }
}

/** The supervisor answered with an error: its one-line reason. */
export class ControlRefused extends JaffleError {
  constructor(message: string) {
    // The supervisor refuses what the user asked (an unknown name, a failed restart).
    super(message, { userFault: true });
  }
}

function readToken(runtimeDir: string): string {
  try {
    return readFileSync(join(runtimeDir, TOKEN_FILE), "utf8").trim();
  } catch (error) {
    throw new NoControlSocket(runtimeDir, `cannot read ${TOKEN_FILE} (${(error as NodeJS.ErrnoException).code})`);
  }
}

export interface Connection {
  /** The answer to the request (rejects with ControlRefused or NoControlSocket). */
  answer: Promise<unknown>;
  /** Called with every record of a `logs` answer. */
  onRecord(listener: (record: LogRecord) => void): void;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  close(): void;
}

/** Opens a connection and sends `request`; the server's messages arrive on the result. */
export function openRequest(runtimeDir: string, request: ControlRequest): Connection {
  const token = readToken(runtimeDir);
  const socket: Socket = connect(join(runtimeDir, SOCKET_FILE));
  const listeners: ((record: LogRecord) => void)[] = [];
  let settle!: { resolve: (value: unknown) => void; reject: (error: Error) => void };
  const answer = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  let answered = false;
  const fail = (error: Error) => {
    if (!answered) {
      answered = true;
      settle.reject(error);
    }
  };
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", (error: NodeJS.ErrnoException) => {
    fail(new NoControlSocket(runtimeDir, error.code ?? error.message));
  });
  socket.on("close", () => fail(new NoControlSocket(runtimeDir, "the connection closed before an answer")));
  socket.on("connect", () => socket.write(encode({ jaffle: PROTOCOL_VERSION, id: 1, token, ...request })));
  readLines(socket, (line) => {
    const message = JSON.parse(line) as ResponseMessage;
    if ("record" in message) {
      for (const listener of listeners) listener(message.record);
    } else if (message.ok) {
      answered = true;
      settle.resolve(message.result);
    } else if (!answered) {
      fail(new ControlRefused(message.error));
    } else {
      // An error after the answer (a follower cut off): end with it.
      process.stderr.write(`jaffle: ${message.error}\n`);
    }
  });
  return {
    answer,
    onRecord: (listener) => listeners.push(listener),
    closed,
    close: () => socket.destroy(),
  };
}

/** One request, one answer, connection closed. */
export async function request<C extends Exclude<ControlRequest["command"], "logs">>(
  runtimeDir: string,
  message: Extract<ControlRequest, { command: C }>,
): Promise<ControlResults[C]> {
  const connection = openRequest(runtimeDir, message);
  try {
    return (await connection.answer) as ControlResults[C];
  } finally {
    connection.close();
  }
}
