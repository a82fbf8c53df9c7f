/**
 * The Jupyter wire format: a message is a list of ZeroMQ frames
 *
 *   [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
 *
 * where the signature is the hex HMAC of the four JSON frames under the connection
 * file's key. Both directions go through here, so every received message is verified
 * before anyone reads it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { JupyterMessage } from "./messages.js";
import { JaffleError } from "../errors.js";

export const DELIMITER = "<IDS|MSG>";
const DELIMITER_BUFFER = Buffer.from(DELIMITER);

/** The signature did not match: the message is dropped, never acted on. */
export class InvalidSignatureError extends JaffleError {
  constructor(readonly msgType?: string) {
    super(`invalid message signature${msgType ? ` on a ${msgType} message` : ""}`);
  }
}

/** A correctly signed message whose signature was seen before: a replay, dropped. */
export class ReplayedMessageError extends JaffleError {
  constructor(readonly msgType: string) {
    super(`replayed ${msgType} message (its signature was seen before)`);
  }
}

/** The frames do not form a Jupyter message (no delimiter, too few frames, bad JSON). */
export class MalformedMessageError extends JaffleError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * Signs and verifies the four signed frames. An empty key means messages are neither
 * signed nor checked, which is what the spec says for `key: ""`.
 */
export class MessageSigner {
  private readonly key: Buffer;
  private readonly algorithm: string;

  constructor(key: string, scheme = "hmac-sha256") {
    const match = /^hmac-([a-z0-9-]+)$/i.exec(scheme);
    if (!match) throw new Error(`unsupported signature_scheme ${JSON.stringify(scheme)} (expected hmac-<digest>)`);
    this.algorithm = match[1]!.toLowerCase().replace(/-/g, "");
    this.key = Buffer.from(key, "utf8");
    // Fails now, not on the first message, if Node's crypto lacks the digest.
    if (this.key.length > 0) createHmac(this.algorithm, this.key);
  }

  get signs(): boolean {
    return this.key.length > 0;
  }

  /** Hex digest of header, parent_header, metadata and content (in that order). */
  sign(frames: Buffer[]): string {
    if (!this.signs) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /** Constant-time comparison, so the check does not leak how much of a forgery matched. */
  verify(signature: string, frames: Buffer[]): boolean {
    if (!this.signs) return true;
    const expected = Buffer.from(this.sign(frames), "utf8");
    const given = Buffer.from(signature, "utf8");
    if (given.length !== expected.length) {
      // Still spend the comparison so that length is the only thing timing reveals.
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(expected, given);
  }
}

/**
 * The signatures of the last `limit` messages received, so a captured message sent again
 * is refused: a signature covers the header's unique msg_id, so a genuine sender never
 * repeats one. ipykernel keeps the same kind of bounded history (2^16 digests).
 */
export class SignatureHistory {
  private readonly seen = new Set<string>();

  constructor(private readonly limit = 65_536) {}

  /** Records the signature; false when it was already there. */
  remember(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    // A Set iterates in insertion order: the first value is the oldest.
    if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** Serialises a message into frames, identities first. */
export function encodeMessage(msg: JupyterMessage, signer: MessageSigner): Buffer[] {
  const body = [
    Buffer.from(JSON.stringify(msg.header)),
    Buffer.from(JSON.stringify(msg.parent_header ?? {})),
    Buffer.from(JSON.stringify(msg.metadata ?? {})),
    Buffer.from(JSON.stringify(msg.content ?? {})),
  ];
  return [...(msg.identities ?? []), DELIMITER_BUFFER, Buffer.from(signer.sign(body)), ...body, ...(msg.buffers ?? [])];
}

function parseJsonFrame(frame: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch (error) {
    throw new MalformedMessageError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MalformedMessageError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses and verifies frames. Everything before `<IDS|MSG>` is kept as identities
 * (the ROUTER peer id on shell/control/stdin, the topic on iopub). Throws
 * InvalidSignatureError, ReplayedMessageError (when given the receiver's `history`) or
 * MalformedMessageError; the caller drops and logs those.
 */
export function decodeMessage(frames: Buffer[], signer: MessageSigner, history?: SignatureHistory): JupyterMessage {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER_BUFFER));
  if (at < 0) throw new MalformedMessageError(`no ${DELIMITER} delimiter in ${frames.length} frames`);
  const [signatureFrame, headerFrame, parentFrame, metadataFrame, contentFrame] = frames.slice(at + 1, at + 6);
  if (!signatureFrame || !headerFrame || !parentFrame || !metadataFrame || !contentFrame) {
    throw new MalformedMessageError(
      `expected signature and 4 JSON frames after ${DELIMITER}, got ${frames.length - at - 1}`,
    );
  }
  const signature = signatureFrame.toString("utf8");
  const body = [headerFrame, parentFrame, metadataFrame, contentFrame];
  if (!signer.verify(signature, body)) {
    // Name the type for the log line only if the header happens to parse; it is not trusted.
    let msgType: string | undefined;
    try {
      const type = (JSON.parse(headerFrame.toString("utf8")) as { msg_type?: unknown }).msg_type;
      if (typeof type === "string") msgType = type.slice(0, 64);
    } catch {
      /* unreadable header: report without a type */
    }
    throw new InvalidSignatureError(msgType);
  }
  const header = parseJsonFrame(headerFrame, "header");
  if (typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
    throw new MalformedMessageError("header lacks msg_id or msg_type");
  }
  // Only a signature that verified is remembered: forgeries must not fill the history.
  if (history && signer.signs && !history.remember(signature)) throw new ReplayedMessageError(header.msg_type);
  return {
    header,
    parent_header: parseJsonFrame(parentFrame, "parent_header"),
    metadata: parseJsonFrame(metadataFrame, "metadata"),
    content: parseJsonFrame(contentFrame, "content"),
    buffers: frames.slice(at + 6),
    identities: frames.slice(0, at),
  } as unknown as JupyterMessage;
}
