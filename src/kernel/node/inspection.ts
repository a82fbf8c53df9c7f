/**
 * `inspect_request`: what the name at the cursor is. For a function or class: its type
 * and signature (parsed from its source) and, at detail level 1, its source; for any
 * other value: its type and a short `util.inspect` summary. Plain text, laid out like
 * IPython's `?` so that jupyter console and notebooks show it well.
 */
import { parseExpressionAt, type Node } from "acorn";
import { inspect } from "node:util";
import { hideAsyncInternals } from "./async-internals.js";
import { codePointToIndex } from "./code-points.js";
import { lookupPath, targetAt } from "./name-lookup.js";

/** What inspect_reply says: a found name always comes with its text, a missing one with none. */
export type Inspection =
  { found: true; data: { "text/plain": string } } | { found: false; data: Record<string, never> };

const SUMMARY_LIMIT = 2_000;
const SOURCE_HEAD_LINES = 12;

interface FunctionLike extends Node {
  params?: Node[];
  body?: Node & { body?: (Node & { kind?: string; value?: FunctionLike })[] };
}

/** The parameter list as written, from the function's source; undefined for native code. */
function parameterList(source: string): string | undefined {
  // Methods (`m(a) {}`, `get x() {}`) are only valid inside an object literal.
  for (const [prefix, suffix] of [
    ["(", ")"],
    ["({", "})"],
  ]) {
    let node: Node & Record<string, unknown>;
    try {
      node = parseExpressionAt(`${prefix}${source}${suffix}`, 0, { ecmaVersion: "latest" }) as Node &
        Record<string, unknown>;
    } catch {
      continue;
    }
    const text = `${prefix}${source}${suffix}`;
    let fn: FunctionLike | undefined;
    if (node.type === "ObjectExpression") fn = (node.properties as { value: FunctionLike }[])[0]?.value;
    else if (node.type === "ClassExpression") {
      const constructor = (node.body as FunctionLike["body"])?.body?.find((member) => member.kind === "constructor");
      if (constructor === undefined) return "";
      fn = constructor.value;
    } else fn = node as FunctionLike;
    if (!fn?.params) return undefined;
    return fn.params.map((param) => text.slice(param.start, param.end)).join(", ");
  }
  return undefined;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    if (/^class\b/.test(source)) return "class";
    return value.constructor?.name === "AsyncFunction" ? "async function" : "function";
  }
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name ? `object (${name})` : "object";
  }
  return typeof value;
}

function headOf(source: string, lines: number): string {
  const all = source.split("\n");
  return all.length <= lines ? source : `${all.slice(0, lines).join("\n")}\n...`;
}

export function inspectAt(code: string, cursorPos: number, detailLevel: 0 | 1): Inspection {
  const target = targetAt(code, codePointToIndex(code, cursorPos));
  if (target === undefined || target.name === "") return { found: false, data: {} };
  const lookup = lookupPath([...target.objectPath, target.name]);
  if (!lookup.found) return { found: false, data: {} };
  const value = lookup.value;
  const fullName = [...target.objectPath, target.name].join(".");
  const fields: [string, string][] = [];
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    const params = parameterList(source);
    fields.push([
      "Signature",
      params === undefined ? `${fullName}(...) (${value.length} parameters)` : `${fullName}(${params})`,
    ]);
    fields.push(["Type", describeType(value)]);
    const own = Object.keys(value);
    if (own.length > 0) fields.push(["Properties", own.join(", ")]);
    fields.push(["Source", detailLevel === 1 ? source : headOf(source, SOURCE_HEAD_LINES)]);
  } else {
    fields.push(["Type", describeType(value)]);
    hideAsyncInternals(value);
    let summary = inspect(value, { depth: detailLevel === 1 ? 4 : 1, colors: false });
    if (summary.length > SUMMARY_LIMIT) summary = `${summary.slice(0, SUMMARY_LIMIT)}...`;
    fields.push(["Value", summary]);
  }
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  const text = fields
    .map(([label, body]) => `${`${label}:`.padEnd(width)}${body.replace(/\n/g, `\n${" ".repeat(width)}`)}`)
    .join("\n");
  return { found: true, data: { "text/plain": text } };
}
