/**
 * Turns a cell's value into a Jupyter MIME bundle. `text/plain` is always there
 * (`util.inspect`, as Node's REPL prints it); a value can offer richer representations
 * through any of these, checked in this order and merged (earlier ones win):
 *
 * 1. `value[Symbol.for("Jupyter.display")]()` returning a bundle: the protocol Deno's
 *    Jupyter kernel uses, so objects written for Deno notebooks display here too;
 *    `Symbol.for("jupyter.mime")` is accepted as an alias.
 * 2. `value._toMime()` returning a bundle, then `_toHtml()` (text/html), `_toSvg()`
 *    (image/svg+xml), `_toPng()` and `_toJpeg()` (base64 text or a Buffer): the methods
 *    IJavascript looks for.
 *
 * A representation method that throws is skipped and the failure is returned, so the
 * caller can tell the user instead of silently showing less.
 */
import { inspect } from "node:util";
import type { MimeBundle } from "../messages.js";
import { hideAsyncInternals } from "./async-internals.js";

export const DISPLAY_SYMBOLS = [Symbol.for("Jupyter.display"), Symbol.for("jupyter.mime")] as const;

const SINGLE_MIME_METHODS: [method: string, mimeType: string][] = [
  ["_toHtml", "text/html"],
  ["_toSvg", "image/svg+xml"],
  ["_toPng", "image/png"],
  ["_toJpeg", "image/jpeg"],
];

export interface RichOutput {
  data: MimeBundle;
  /** Errors thrown by the value's own representation methods. */
  failures: string[];
}

/** The text Node's REPL would print for a value. */
export function plainText(value: unknown): string {
  hideAsyncInternals(value);
  return inspect(value, { colors: false, depth: 4, maxArrayLength: 100, maxStringLength: 10_000 });
}

/** Binary image data travels as base64 text in JSON. */
function encodeMimeData(data: unknown): unknown {
  if (Buffer.isBuffer(data)) return data.toString("base64");
  if (data instanceof Uint8Array) return Buffer.from(data).toString("base64");
  return data;
}

function isBundle(value: unknown): value is MimeBundle {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function richOutput(value: unknown): RichOutput {
  const data: MimeBundle = {};
  const failures: string[] = [];
  const offer = (mimeType: string, content: unknown) => {
    if (!(mimeType in data) && content !== undefined && content !== null) data[mimeType] = encodeMimeData(content);
  };
  const call = (what: string, method: () => unknown): unknown => {
    try {
      return method();
    } catch (error) {
      failures.push(`${what} threw ${error instanceof Error ? `${error.name}: ${error.message}` : plainText(error)}`);
      return undefined;
    }
  };

  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    const target = value as Record<string | symbol, unknown>;
    for (const symbol of DISPLAY_SYMBOLS) {
      const method = target[symbol];
      if (typeof method !== "function") continue;
      const bundle = call(`[${symbol.toString()}]()`, () => method.call(value));
      if (isBundle(bundle)) for (const [mimeType, content] of Object.entries(bundle)) offer(mimeType, content);
    }
    if (typeof target._toMime === "function") {
      const method = target._toMime;
      const bundle = call("_toMime()", () => method.call(value));
      if (isBundle(bundle)) for (const [mimeType, content] of Object.entries(bundle)) offer(mimeType, content);
    }
    for (const [name, mimeType] of SINGLE_MIME_METHODS) {
      const method = target[name];
      if (typeof method === "function")
        offer(
          mimeType,
          call(`${name}()`, () => method.call(value)),
        );
    }
  }
  if (!("text/plain" in data)) data["text/plain"] = plainText(value);
  return { data, failures };
}
