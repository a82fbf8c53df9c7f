/**
 * Jupyter messaging protocol 5.3 messages, typed and discriminated by `msg_type`.
 *
 * Modelled on the definitions in `@jupyterlab/services` (KernelMessage): one content
 * interface per message type, a map from type to content, and `JupyterMessage<T>` which
 * distributes over the map so that `switch (msg.header.msg_type)` narrows `msg.content`.
 * Both sides use these types: the client that drives kernels and the built-in Node kernel.
 */
import { randomUUID } from "node:crypto";

/** The protocol version this implementation speaks. */
export const PROTOCOL_VERSION = "5.3";

export type Channel = "shell" | "iopub" | "stdin" | "control";

/** A JSON object as it travels on the wire (metadata, MIME bundles, user expressions). */
export type JsonObject = { [key: string]: unknown };

/** MIME type → data (`text/plain` → string, `application/json` → object, ...). */
export type MimeBundle = { [mimeType: string]: unknown };

// ---------------------------------------------------------------------------------------
// Shell and control: requests and replies
// ---------------------------------------------------------------------------------------

/** Every reply carries `status`; an `error` reply describes the exception instead. */
export interface ReplyErrorContent {
  status: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export interface ReplyAbortContent {
  status: "abort" | "aborted";
}

export type KernelInfoRequestContent = Record<string, never>;

export interface LanguageInfo {
  name: string;
  version: string;
  mimetype: string;
  file_extension: string;
  pygments_lexer?: string;
  codemirror_mode?: string | JsonObject;
  nbconvert_exporter?: string;
}

export interface HelpLink {
  text: string;
  url: string;
}

export interface KernelInfoReplyContent {
  status: "ok";
  protocol_version: string;
  implementation: string;
  implementation_version: string;
  language_info: LanguageInfo;
  banner: string;
  help_links?: HelpLink[];
  debugger?: boolean;
}

export interface ExecuteRequestContent {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: JsonObject;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

export interface ExecuteReplyOkContent {
  status: "ok";
  execution_count: number;
  payload?: JsonObject[];
  user_expressions?: JsonObject;
}
export type ExecuteReplyContent =
  | ExecuteReplyOkContent
  | (ReplyErrorContent & { execution_count: number | null })
  | (ReplyAbortContent & { execution_count?: number | null });

export interface CompleteRequestContent {
  code: string;
  cursor_pos: number;
}
export type CompleteReplyContent =
  | {
      status: "ok";
      matches: string[];
      cursor_start: number;
      cursor_end: number;
      metadata: JsonObject;
    }
  | ReplyErrorContent;

export interface InspectRequestContent {
  code: string;
  cursor_pos: number;
  detail_level: 0 | 1;
}
export type InspectReplyContent =
  | {
      status: "ok";
      found: boolean;
      data: MimeBundle;
      metadata: JsonObject;
    }
  | ReplyErrorContent;

export interface IsCompleteRequestContent {
  code: string;
}
export type IsCompleteReplyContent =
  { status: "complete" } | { status: "incomplete"; indent?: string } | { status: "invalid" } | { status: "unknown" };

export type HistoryRequestContent =
  | {
      output: boolean;
      raw: boolean;
      hist_access_type: "range";
      session: number;
      start: number;
      stop: number;
    }
  | {
      output: boolean;
      raw: boolean;
      hist_access_type: "tail";
      n: number;
    }
  | {
      output: boolean;
      raw: boolean;
      hist_access_type: "search";
      n: number;
      pattern: string;
      unique: boolean;
    };
/** (session, line number, input) or, with `output: true`, (session, line, [input, output]). */
export type HistoryEntry = [number, number, string] | [number, number, [string, string]];
export type HistoryReplyContent = { status: "ok"; history: HistoryEntry[] } | ReplyErrorContent;

export interface CommInfoRequestContent {
  target_name?: string;
}
export type CommInfoReplyContent =
  { status: "ok"; comms: { [commId: string]: { target_name: string } } } | ReplyErrorContent;

export interface ShutdownRequestContent {
  restart: boolean;
}
export type ShutdownReplyContent = { status: "ok"; restart: boolean } | ReplyErrorContent;

export type InterruptRequestContent = Record<string, never>;
export type InterruptReplyContent = { status: "ok" } | ReplyErrorContent;

// ---------------------------------------------------------------------------------------
// IOPub
// ---------------------------------------------------------------------------------------

export type ExecutionState = "busy" | "idle" | "starting" | "restarting" | "dead";

export interface StatusContent {
  execution_state: ExecutionState;
}
export interface StreamContent {
  name: "stdout" | "stderr";
  text: string;
}
export interface ExecuteInputContent {
  code: string;
  execution_count: number;
}
export interface DisplayDataContent {
  data: MimeBundle;
  metadata: JsonObject;
  transient?: { display_id?: string } & JsonObject;
}
export interface ExecuteResultContent extends DisplayDataContent {
  execution_count: number;
}
export type UpdateDisplayDataContent = DisplayDataContent;
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}
export interface ClearOutputContent {
  wait: boolean;
}

// ---------------------------------------------------------------------------------------
// Comms (shell and iopub) and stdin
// ---------------------------------------------------------------------------------------

export interface CommOpenContent {
  comm_id: string;
  target_name: string;
  data: JsonObject;
  target_module?: string;
}
export interface CommMsgContent {
  comm_id: string;
  data: JsonObject;
}
export type CommCloseContent = CommMsgContent;

export interface InputRequestContent {
  prompt: string;
  password: boolean;
}
export interface InputReplyContent {
  value: string;
}

/** Message type → content. The single source of truth for what a `msg_type` carries. */
export interface ContentMap {
  kernel_info_request: KernelInfoRequestContent;
  kernel_info_reply: KernelInfoReplyContent;
  execute_request: ExecuteRequestContent;
  execute_reply: ExecuteReplyContent;
  complete_request: CompleteRequestContent;
  complete_reply: CompleteReplyContent;
  inspect_request: InspectRequestContent;
  inspect_reply: InspectReplyContent;
  is_complete_request: IsCompleteRequestContent;
  is_complete_reply: IsCompleteReplyContent;
  history_request: HistoryRequestContent;
  history_reply: HistoryReplyContent;
  comm_info_request: CommInfoRequestContent;
  comm_info_reply: CommInfoReplyContent;
  shutdown_request: ShutdownRequestContent;
  shutdown_reply: ShutdownReplyContent;
  interrupt_request: InterruptRequestContent;
  interrupt_reply: InterruptReplyContent;
  status: StatusContent;
  stream: StreamContent;
  execute_input: ExecuteInputContent;
  execute_result: ExecuteResultContent;
  display_data: DisplayDataContent;
  update_display_data: UpdateDisplayDataContent;
  error: ErrorContent;
  clear_output: ClearOutputContent;
  comm_open: CommOpenContent;
  comm_msg: CommMsgContent;
  comm_close: CommCloseContent;
  input_request: InputRequestContent;
  input_reply: InputReplyContent;
}

export type MessageType = keyof ContentMap;

/** Requests a client sends on shell or control, and the reply type each one gets. */
export interface ReplyTypeOf {
  kernel_info_request: "kernel_info_reply";
  execute_request: "execute_reply";
  complete_request: "complete_reply";
  inspect_request: "inspect_reply";
  is_complete_request: "is_complete_reply";
  history_request: "history_reply";
  comm_info_request: "comm_info_reply";
  shutdown_request: "shutdown_reply";
  interrupt_request: "interrupt_reply";
}
export type RequestType = keyof ReplyTypeOf;

export interface MessageHeader<T extends string = MessageType> {
  msg_id: string;
  session: string;
  username: string;
  /** ISO 8601 timestamp. */
  date: string;
  msg_type: T;
  version: string;
}

/**
 * One message. `identities` are the routing frames before `<IDS|MSG>` (a ROUTER peer's
 * id on shell/control/stdin, the topic on iopub); they are not part of the signed body.
 */
export interface Message<T extends MessageType> {
  header: MessageHeader<T>;
  /** The header of the message this one answers, or `{}`. */
  parent_header: MessageHeader<string> | Record<string, never>;
  metadata: JsonObject;
  content: ContentMap[T];
  buffers: Buffer[];
  identities: Buffer[];
}

/** A message of any (or a given set of) type(s); a union, so `msg_type` narrows `content`. */
export type JupyterMessage<T extends MessageType = MessageType> = { [K in T]: Message<K> }[T];

export interface CreateMessageOptions {
  session: string;
  username?: string;
  /** The message (or its header) this one answers; becomes `parent_header`. */
  parent?: { header: MessageHeader<string> } | MessageHeader<string>;
  metadata?: JsonObject;
  buffers?: Buffer[];
  identities?: Buffer[];
  /** Defaults to a random UUID. */
  msgId?: string;
}

/** Builds a message with a fresh header (uuid, timestamp, protocol version). */
export function createMessage<T extends MessageType>(
  msgType: T,
  content: ContentMap[T],
  options: CreateMessageOptions,
): Message<T> {
  const parent = options.parent;
  const parentHeader = parent === undefined ? {} : "header" in parent ? parent.header : parent;
  return {
    header: {
      msg_id: options.msgId ?? randomUUID(),
      session: options.session,
      username: options.username ?? "jaffle",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: parentHeader as Message<T>["parent_header"],
    metadata: options.metadata ?? {},
    content,
    buffers: options.buffers ?? [],
    identities: options.identities ?? [],
  };
}

/** Narrows a message to one type: `if (isMessageType(msg, "stream")) msg.content.text`. */
export function isMessageType<T extends MessageType>(
  msg: JupyterMessage,
  msgType: T,
): msg is Extract<JupyterMessage, { header: { msg_type: T } }> {
  return msg.header.msg_type === msgType;
}

/** The `msg_id` of the request a message answers, if it answers one. */
export function parentMsgId(msg: JupyterMessage): string | undefined {
  const id = (msg.parent_header as Partial<MessageHeader<string>>).msg_id;
  return typeof id === "string" ? id : undefined;
}
