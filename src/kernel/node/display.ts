/**
 * The `display()` global of the Node kernel, as IPython's `display()`: it sends a
 * `display_data` message with a value's MIME bundle to the front end, under the request
 * that started the running code (so a timer's display lands under its cell). Helpers
 * build a bundle from one representation: `display.html(s)`, `display.markdown(s)`,
 * `display.svg(s)`, `display.png(buffer)`, `display.jpeg(buffer)`, `display.json(obj)`,
 * `display.text(s)`. With `{ display_id }` (a string, or `true` for a new one) the call
 * returns a handle whose `update()` replaces that output everywhere it is shown
 * (`update_display_data`). `clearOutput({ wait })` clears the cell's output.
 */
import { randomUUID } from "node:crypto";
import type { ClearOutputContent, DisplayDataContent, JsonObject, MimeBundle } from "../messages.js";
import { plainText, richOutput } from "./rich-output.js";

export interface DisplayOptions {
  /** Names the output so a later `update()` can replace it; `true` picks a fresh id. */
  display_id?: string | boolean;
  metadata?: JsonObject;
}

export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces the output with a new value (of the same kind: for `display.html`, HTML). */
  update(value: unknown, options?: { metadata?: JsonObject }): void;
}

/** Where display messages go; the kernel adds the parent header and sends them on iopub. */
export interface DisplaySink {
  display(content: DisplayDataContent): void;
  update(content: DisplayDataContent): void;
  clear(content: ClearOutputContent): void;
  /** A representation method of the user's value threw: tell the user, show the rest. */
  warn(line: string): void;
}

type Bundler = (value: unknown) => MimeBundle;

function encodeBinary(data: unknown, what: string): string {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return Buffer.from(data).toString("base64");
  throw new TypeError(`${what} takes a Buffer or a base64 string, not ${plainText(data)}`);
}

function textOf(value: unknown, what: string): string {
  if (typeof value !== "string") throw new TypeError(`${what} takes a string, not ${plainText(value)}`);
  return value;
}

const helpers = {
  html: (value) => ({ "text/html": textOf(value, "display.html"), "text/plain": textOf(value, "display.html") }),
  markdown: (value) => ({
    "text/markdown": textOf(value, "display.markdown"),
    "text/plain": textOf(value, "display.markdown"),
  }),
  svg: (value) => ({ "image/svg+xml": textOf(value, "display.svg"), "text/plain": "<SVG image>" }),
  png: (value) => ({ "image/png": encodeBinary(value, "display.png"), "text/plain": "<PNG image>" }),
  jpeg: (value) => ({ "image/jpeg": encodeBinary(value, "display.jpeg"), "text/plain": "<JPEG image>" }),
  json: (value) => ({ "application/json": value, "text/plain": plainText(value) }),
  text: (value) => ({ "text/plain": typeof value === "string" ? value : plainText(value) }),
} satisfies Record<string, Bundler>;

export type DisplayFunction = ((value: unknown, options?: DisplayOptions) => DisplayHandle | undefined) & {
  [Kind in keyof typeof helpers]: (value: unknown, options?: DisplayOptions) => DisplayHandle | undefined;
};

export interface DisplayApi {
  display: DisplayFunction;
  clearOutput: (options?: { wait?: boolean }) => void;
}

export function createDisplayApi(sink: DisplaySink): DisplayApi {
  const bundleOf: Bundler = (value) => {
    const { data, failures } = richOutput(value);
    for (const failure of failures) sink.warn(`the displayed value's ${failure}`);
    return data;
  };

  const show = (bundler: Bundler, value: unknown, options: DisplayOptions = {}): DisplayHandle | undefined => {
    const metadata = options.metadata ?? {};
    const displayId =
      options.display_id === true ? randomUUID() : options.display_id ? String(options.display_id) : undefined;
    sink.display({ data: bundler(value), metadata, ...(displayId ? { transient: { display_id: displayId } } : {}) });
    if (displayId === undefined) return undefined;
    return {
      displayId,
      update(next, updateOptions = {}) {
        sink.update({
          data: bundler(next),
          metadata: updateOptions.metadata ?? metadata,
          transient: { display_id: displayId },
        });
      },
    };
  };

  const display = ((value: unknown, options?: DisplayOptions) => show(bundleOf, value, options)) as DisplayFunction;
  for (const [kind, bundler] of Object.entries(helpers)) {
    Object.defineProperty(display, kind, {
      value: (value: unknown, options?: DisplayOptions) => show(bundler, value, options),
      enumerable: true,
    });
  }
  const clearOutput = (options: { wait?: boolean } = {}) => sink.clear({ wait: Boolean(options.wait) });
  return { display, clearOutput };
}
