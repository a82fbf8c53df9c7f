/**
 * Turns a cell's iopub messages into terminal text as they arrive: streams to
 * stdout/stderr, results and displays as their text/plain form, errors as their
 * traceback. Interactive sessions get IPython's `Out[n]:` prefix; piped ones print the
 * bare value so the output can be used as it is.
 */
import { isMessageType, type JupyterMessage, type MimeBundle } from "../kernel/messages.js";

export interface OutputSink {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface RenderOptions {
  /** Prefix execute results with `Out[n]: ` (interactive sessions). */
  outPrompt: boolean;
  /** Keep ANSI colour codes in tracebacks (only when stderr is a colour terminal). */
  color: boolean;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The best plain-text form of a MIME bundle. */
export function plainText(data: MimeBundle): string {
  const text = data["text/plain"];
  if (typeof text === "string") return text;
  if (data["application/json"] !== undefined) return JSON.stringify(data["application/json"], null, 2);
  const types = Object.keys(data);
  return types.length === 0 ? "" : `[${types.join(", ")}]`;
}

const withNewline = (text: string) => (text === "" || text.endsWith("\n") ? text : text + "\n");

export class OutputRenderer {
  constructor(
    private readonly sink: OutputSink,
    private readonly options: RenderOptions,
  ) {}

  private errorText(text: string): string {
    return this.options.color ? text : text.replace(ANSI, "");
  }

  render(msg: JupyterMessage): void {
    if (isMessageType(msg, "stream")) {
      if (msg.content.name === "stderr") this.sink.stderr(msg.content.text);
      else this.sink.stdout(msg.content.text);
    } else if (isMessageType(msg, "execute_result")) {
      const text = plainText(msg.content.data);
      const prefix = this.options.outPrompt ? `Out[${msg.content.execution_count}]: ` : "";
      this.sink.stdout(withNewline(prefix + text));
    } else if (isMessageType(msg, "display_data") || isMessageType(msg, "update_display_data")) {
      this.sink.stdout(withNewline(plainText(msg.content.data)));
    } else if (isMessageType(msg, "error")) {
      const traceback =
        msg.content.traceback.length > 0
          ? msg.content.traceback.join("\n")
          : `${msg.content.ename}: ${msg.content.evalue}`;
      this.sink.stderr(withNewline(this.errorText(traceback)));
    }
  }
}
