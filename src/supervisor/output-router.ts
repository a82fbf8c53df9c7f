/**
 * Turns a kernel's iopub outputs into log lines of whoever ran the code. Outputs name the
 * request that caused them in `parent_header.msg_id`; the router remembers which logger
 * each request belongs to, also after the request finished, because code often starts
 * work that keeps printing (a server started by an app's `start` code). The map is
 * bounded: the oldest requests are forgotten first, and their late outputs fall back to
 * the kernel's own logger.
 */
import { stripAnsi } from "../log/ansi.js";
import { loggerFrom, type Level, type Logger } from "../log/logger.js";
import { parentMsgId, type JupyterMessage } from "../kernel/messages.js";

/** `text` split into lines, without the final newline's empty tail. */
function lines(text: string): string[] {
  const parts = text.replace(/\r\n/g, "\n").split("\n");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

function plainText(data: Record<string, unknown>): string | undefined {
  const text = data["text/plain"];
  if (typeof text === "string") return text;
  if (Array.isArray(text)) return text.join("");
  return undefined;
}

/** The levels of a request's outputs that are not plain output (see ExecuteOptions). */
export interface OutputLevels {
  /** An execute_result: the code's value, not its output. */
  result: Level;
  /** An error output: the kernel's traceback. */
  error: Level;
}

const DEFAULT_LEVELS: OutputLevels = { result: "info", error: "error" };

/** Logs one iopub message to `logger`; messages that carry no output are ignored. */
export function logOutput(msg: JupyterMessage, logger: Logger, levels: OutputLevels = DEFAULT_LEVELS): void {
  switch (msg.header.msg_type) {
    case "stream": {
      const content = (msg as JupyterMessage<"stream">).content;
      const level = content.name === "stderr" ? "warning" : "info";
      for (const line of lines(content.text)) logger.log(level, line);
      return;
    }
    case "execute_result":
    case "display_data": {
      const text = plainText((msg as JupyterMessage<"display_data">).content.data ?? {});
      const level = msg.header.msg_type === "execute_result" ? levels.result : "info";
      if (text !== undefined && text !== "") logger.log(level, text);
      return;
    }
    case "error": {
      const content = (msg as JupyterMessage<"error">).content;
      // ipykernel colours tracebacks for a terminal; a log line carries its own colours.
      const traceback = (content.traceback ?? []).map(stripAnsi).join("\n").trim();
      const head = `${content.ename}: ${content.evalue}`;
      // ipykernel's traceback already ends with "ename: evalue"; don't say it twice.
      logger.log(
        levels.error,
        traceback === "" ? head : traceback.includes(head) ? traceback : `${head}\n${traceback}`,
      );
      return;
    }
    default:
      return;
  }
}

interface Route {
  logger: Logger;
  levels: OutputLevels;
}

export class OutputRouter {
  readonly #routes = new Map<string, Route>();

  constructor(
    /** Where outputs of requests nobody registered go (the kernel's logger). */
    private readonly fallback: Logger,
    private readonly capacity = 1_000,
  ) {
    this.#consoleLogger = loggerFrom(fallback.name, (level, message) =>
      fallback.log(
        level,
        message
          .split("\n")
          .map((line) => `[console] ${line}`)
          .join("\n"),
      ),
    );
  }

  /** Output of another client's requests, marked as such. */
  readonly #consoleLogger: Logger;

  /** Outputs whose parent is `msgId` go to `logger` from now on. */
  route(msgId: string, logger: Logger, levels: OutputLevels = DEFAULT_LEVELS): void {
    this.#routes.delete(msgId); // re-insert at the young end
    this.#routes.set(msgId, { logger, levels });
    while (this.#routes.size > this.capacity) {
      const oldest = this.#routes.keys().next().value as string;
      this.#routes.delete(oldest);
    }
  }

  loggerFor(msg: JupyterMessage): Logger {
    return this.#routeFor(msg)?.logger ?? this.fallback;
  }

  #routeFor(msg: JupyterMessage): Route | undefined {
    const parent = parentMsgId(msg);
    return parent === undefined ? undefined : this.#routes.get(parent);
  }

  /**
   * `fromOtherClient`: the request came from another client of the kernel (a person in
   * `jaffle console`, JupyterLab). Its output is theirs, not the app's or the kernel's:
   * it is shown marked as such, and the value of what they typed not at all.
   */
  dispatch(msg: JupyterMessage, fromOtherClient = false): void {
    if (fromOtherClient) {
      if (msg.header.msg_type !== "execute_result") logOutput(msg, this.#consoleLogger);
      return;
    }
    const route = this.#routeFor(msg);
    logOutput(msg, route?.logger ?? this.fallback, route?.levels);
  }

  get size(): number {
    return this.#routes.size;
  }
}
