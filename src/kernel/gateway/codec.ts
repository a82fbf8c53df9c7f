/**
 * Jupyter messages on the kernel channels WebSocket, in the two formats jupyter_server
 * speaks:
 * - `v1.kernel.websocket.jupyter.org` (chosen when the server offers it): one binary
 *   frame = uint64 LE count of offsets, the offsets (uint64 LE), then the channel name
 *   and the header, parent_header, metadata, content and buffers, back to back;
 * - the legacy JSON format: a text frame holding the message with a `channel` field, or,
 *   for a message with buffers, a binary frame = uint32 BE count, uint32 BE offsets, the
 *   JSON, then the buffers.
 *
 * Neither format carries an HMAC signature: the server checks and strips the kernel's
 * signatures on its side and signs what we send with the kernel's key itself. What
 * authenticates this channel is the token the WebSocket was opened with (and TLS, for
 * a server that is not on this machine).
 */
import type { Channel, JupyterMessage } from "../messages.js";
import { JaffleError } from "../../errors.js";

export const V1_PROTOCOL = "v1.kernel.websocket.jupyter.org";

/** Which format a connection speaks: the subprotocol the server selected, or legacy JSON. */
export type WireFormat = "v1" | "json";

const CHANNELS: ReadonlySet<string> = new Set(["shell", "iopub", "stdin", "control"]);

export class CodecError extends JaffleError {
  constructor(message: string) {
    super(message);
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

export function encodeWsMessage(msg: JupyterMessage, channel: Channel, format: WireFormat): Buffer | string {
  if (format === "v1") {
    const parts = [
      Buffer.from(channel, "utf8"),
      json(msg.header),
      json(msg.parent_header),
      json(msg.metadata),
      json(msg.content),
      ...msg.buffers,
    ];
    // One offset where each part starts, plus one for the end.
    const count = parts.length + 1;
    const head = Buffer.alloc(8 * (1 + count));
    head.writeBigUInt64LE(BigInt(count), 0);
    let at = head.length;
    parts.forEach((part, index) => {
      head.writeBigUInt64LE(BigInt(at), 8 * (1 + index));
      at += part.length;
    });
    head.writeBigUInt64LE(BigInt(at), 8 * count);
    return Buffer.concat([head, ...parts]);
  }
  const body = {
    channel,
    header: msg.header,
    parent_header: msg.parent_header,
    metadata: msg.metadata,
    content: msg.content,
  };
  if (msg.buffers.length === 0) return JSON.stringify({ ...body, buffers: [] });
  const parts = [json(body), ...msg.buffers];
  const head = Buffer.alloc(4 * (1 + parts.length));
  head.writeUInt32BE(parts.length, 0);
  let at = head.length;
  parts.forEach((part, index) => {
    head.writeUInt32BE(at, 4 * (1 + index));
    at += part.length;
  });
  return Buffer.concat([head, ...parts]);
}

export interface DecodedWsMessage {
  channel: Channel;
  msg: JupyterMessage;
}

/** Parses one frame; anything malformed is a CodecError (the caller logs and drops it). */
export function decodeWsMessage(data: Buffer, isBinary: boolean, format: WireFormat): DecodedWsMessage {
  try {
    if (format === "v1") return decodeV1(data);
    if (!isBinary) return fromObject(JSON.parse(data.toString("utf8")) as Record<string, unknown>, []);
    return decodeLegacyBinary(data);
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(`malformed message: ${(error as Error).message}`);
  }
}

function decodeV1(data: Buffer): DecodedWsMessage {
  if (data.length < 8) throw new CodecError("frame too short");
  const count = Number(data.readBigUInt64LE(0));
  if (count < 6 || data.length < 8 * (1 + count)) throw new CodecError(`bad offset count ${count}`);
  const offsets = Array.from({ length: count }, (_, index) => Number(data.readBigUInt64LE(8 * (1 + index))));
  // Each part runs from one offset to the next.
  const parts: Buffer[] = [];
  let start: number | undefined;
  for (const end of offsets) {
    if (start !== undefined) {
      if (start > end || end > data.length) throw new CodecError("offsets out of range");
      parts.push(data.subarray(start, end));
    }
    start = end;
  }
  const [channel, header, parent, metadata, content, ...buffers] = parts;
  if (!channel || !header || !parent || !metadata || !content) throw new CodecError(`only ${parts.length} parts`);
  const parse = (part: Buffer) => JSON.parse(part.toString("utf8")) as unknown;
  return fromObject(
    {
      channel: channel.toString("utf8"),
      header: parse(header),
      parent_header: parse(parent),
      metadata: parse(metadata),
      content: parse(content),
    },
    buffers.map((buffer) => Buffer.from(buffer)),
  );
}

function decodeLegacyBinary(data: Buffer): DecodedWsMessage {
  const count = data.readUInt32BE(0);
  if (count < 1 || data.length < 4 * (1 + count)) throw new CodecError(`bad buffer count ${count}`);
  const offsets = Array.from({ length: count }, (_, index) => data.readUInt32BE(4 * (1 + index)));
  const parts = offsets.map((start, index) => data.subarray(start, offsets[index + 1] ?? data.length));
  const [first, ...buffers] = parts;
  if (!first) throw new CodecError("no message part");
  const body = JSON.parse(first.toString("utf8")) as Record<string, unknown>;
  return fromObject(
    body,
    buffers.map((part) => Buffer.from(part)),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromObject(body: Record<string, unknown>, buffers: Buffer[]): DecodedWsMessage {
  const { channel, header, parent_header, metadata, content } = body;
  if (typeof channel !== "string" || !CHANNELS.has(channel)) throw new CodecError(`unknown channel ${String(channel)}`);
  if (!isObject(header) || typeof header.msg_type !== "string" || typeof header.msg_id !== "string")
    throw new CodecError("message without a header");
  const msg = {
    header,
    parent_header: isObject(parent_header) ? parent_header : {},
    metadata: isObject(metadata) ? metadata : {},
    content: isObject(content) ? content : {},
    buffers,
    identities: [],
  } as unknown as JupyterMessage;
  return { channel: channel as Channel, msg };
}
