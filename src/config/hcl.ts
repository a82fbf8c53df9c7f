/**
 * Reading one configuration file into positioned nodes.
 *
 * The pipeline for HCL: our own shallow parse (structure, key order, positions) →
 * same-width rewrites of HCL1-isms → hcl2json (hcl2json.ts: the syntax authority, and
 * the value of any expression we do not read ourselves) → blocks as maps keyed by
 * label, in file order. The HCL2 parser is skipped when it has nothing to evaluate and
 * nothing to judge: a file with no expression whose rewritten text hcl2-plain.ts proves
 * plain HCL2 (most files). JSON files are read by the same shallow parser with JSON rules.
 *
 * The steps are split (prepareConfigText, then finish with hcl2json's answer) so that
 * the HCL2 parser, and its WebAssembly heap, can run in a worker while our passes and
 * the node tree stay in the caller's thread (see parse-file.ts).
 */
import { IssueList, type SourcePosition } from "./errors.js";
import { isPlainHcl2 } from "./hcl2-plain.js";
import { LineMap, SyntaxIssue } from "./hcl-lexer.js";
import {
  type Edit,
  type ExprValue,
  type JsonPath,
  parseHclSyntax,
  parseJsonSyntax,
  type SynBody,
  type SynValue,
} from "./hcl-syntax.js";
import { type ConfigNode, type MapEntry, type MapNode, mapNode, nodeFromValue, scalarNode } from "./nodes.js";

/** The name hcl2json sees; its error positions are mapped back to the real file. */
export const PARSER_FILE_NAME = "jaffle-config.hcl";

/** What hcl2json must read: the rewritten text, and where in its output each expression's value is. */
export interface ParserRequest {
  text: string;
  paths: JsonPath[];
}

/** The value hcl2json gave at one path of a request, if there was one there. */
export type ParserValue = { found: true; value: unknown } | { found: false };

/** hcl2json's answer to a request: a value per path, or the error it threw. */
export type ParserAnswer = { ok: true; values: ParserValue[] } | { ok: false; message: string };

/** A file through our own passes, waiting for hcl2json's answer (if it needs one). */
export interface PreparedParse {
  /** Undefined when hcl2json has nothing to do for this file. */
  request: ParserRequest | undefined;
  /** The node tree, given hcl2json's answer to `request`; undefined when the problems went to `issues`. */
  finish(answer: ParserAnswer | undefined, issues: IssueList): MapNode | undefined;
}

/**
 * Our passes over `text` (the contents of `file`). Problems go to `issues`; the result is
 * undefined when the file cannot be read further.
 */
export function prepareConfigText(file: string, text: string, issues: IssueList): PreparedParse | undefined {
  const lines = new LineMap(file, text);
  if (isJsonFile(file, text)) {
    const node = parseJson(text, lines, issues);
    return node ? { request: undefined, finish: () => node } : undefined;
  }
  let syntax;
  try {
    syntax = parseHclSyntax(text, lines);
  } catch (error) {
    if (!(error instanceof SyntaxIssue)) throw error;
    issues.add(lines.position(error.offset), error.message);
    return undefined;
  }
  // Our own findings are about HCL1-isms and say more than HCL2's view of the same spot.
  if (syntax.issues.length > 0) {
    for (const issue of syntax.issues) issues.add(lines.position(issue.offset), issue.message);
    return undefined;
  }
  const rewritten = applyEdits(text, syntax.edits);
  const expressions = syntax.expressions;
  const root: SourcePosition = { file, line: 1, column: 1 };
  if (expressions.length === 0 && isPlainHcl2(rewritten))
    return { request: undefined, finish: (_answer, into) => bodyToNode(syntax.body, root, new Map(), into) };
  return {
    request: { text: rewritten, paths: expressions.map((expression) => expression.path) },
    finish(answer, into) {
      if (!answer) throw new Error(`no HCL parser answer for ${file}`);
      if (!answer.ok) {
        const mapped = mapParserErrors(answer.message, lines);
        if (mapped.length === 0) into.add(lines.position(0), `HCL parser failed: ${answer.message}`);
        for (const issue of mapped) into.add(issue.pos, issue.message);
        return undefined;
      }
      const values = new Map<ExprValue, ParserValue>();
      expressions.forEach((expression, at) => values.set(expression, answer.values[at] ?? { found: false }));
      return bodyToNode(syntax.body, root, values, into);
    },
  };
}

/** prepareConfigText and finish in one call, with `answer` running hcl2json (tests, one-off callers). */
export async function parseConfigText(
  file: string,
  text: string,
  issues: IssueList,
  answer: (request: ParserRequest) => Promise<ParserAnswer>,
): Promise<MapNode | undefined> {
  const prepared = prepareConfigText(file, text, issues);
  if (!prepared) return undefined;
  return prepared.finish(prepared.request ? await answer(prepared.request) : undefined, issues);
}

function isJsonFile(file: string, text: string): boolean {
  return (
    file.toLowerCase().endsWith(".json") || (!file.toLowerCase().endsWith(".hcl") && text.trimStart().startsWith("{"))
  );
}

function parseJson(text: string, lines: LineMap, issues: IssueList): MapNode | undefined {
  let result;
  try {
    result = parseJsonSyntax(text, lines);
  } catch (error) {
    if (!(error instanceof SyntaxIssue)) throw error;
    issues.add(lines.position(error.offset), error.message);
    return undefined;
  }
  if (result.issues.length > 0 || !result.value) {
    for (const issue of result.issues) issues.add(lines.position(issue.offset), issue.message);
    return undefined;
  }
  const node = synToNode(result.value, new Map(), issues);
  return node.kind === "map" ? node : undefined;
}

function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let out = "";
  let at = 0;
  for (const edit of sorted) {
    out += text.slice(at, edit.offset) + edit.text;
    at = edit.offset + edit.text.length;
  }
  return out + text.slice(at);
}

/**
 * hcl2json throws `parse config: [file:L,C-C2: Summary; Detail. file:L,C-L2,C2: ...]`
 * (a range ends on the same line, `-C2`, or on another, `-L2,C2`). Our rewrites keep
 * every offset, so its lines and columns are the user's. A diagnostic at the same place
 * as an earlier one is a consequence of it (an unterminated string is also an invalid
 * one) and is dropped, so one mistake gives one line.
 */
export function mapParserErrors(message: string, lines: LineMap): { pos: SourcePosition; message: string }[] {
  const name = PARSER_FILE_NAME.replace(/\./g, "\\.");
  const marker = new RegExp(`${name}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?: `, "g");
  const found: { line: number; column: number; start: number; end: number }[] = [];
  for (let match = marker.exec(message); match; match = marker.exec(message)) {
    found.push({
      line: Number(match[1]),
      column: Number(match[2]),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  const seen = new Set<string>();
  return found.flatMap((hit, index) => {
    const following = found[index + 1];
    const stop = following
      ? following.start
      : message.lastIndexOf("]") > hit.end
        ? message.lastIndexOf("]")
        : message.length;
    const text = message
      .slice(hit.end, stop)
      .replace(/\s+/g, " ")
      .trim()
      .replace(/\.$/, "")
      .replace(
        new RegExp(`${name}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?`, "g"),
        (_all, line: string, column: string) => `${lines.file}:${line}:${column}`,
      );
    const where = `${hit.line}:${hit.column}`;
    if (seen.has(where)) return [];
    seen.add(where);
    return [{ pos: lines.position(lines.offset(hit.line, hit.column)), message: text }];
  });
}

/**
 * Builds a file's node tree from its syntax. A repeated block (`kernel "k" {...}` twice
 * in one file) merges into the first, as Jaffle's HCL1 did; one that sets an option the
 * first already set would overwrite it silently, so that is an error at the second,
 * naming the first.
 */
class TreeBuilder {
  /** Maps whose keys are block labels (`kernel`'s map of `"k"`): their keys are quoted in messages. */
  private readonly labelLevels = new Set<MapNode>();

  constructor(
    private readonly values: ExprValues,
    private readonly issues: IssueList,
  ) {}

  /** A block body as a map node. `where` names the body in messages (`kernel "k"`, empty for the file). */
  body(body: SynBody, pos: SourcePosition, where: string[] = []): MapNode {
    const node = mapNode(pos);
    for (const item of body.items) {
      if (item.type === "attribute") {
        const entry = { key: item.key, keyPos: item.keyPos, value: synToNode(item.value, this.values, this.issues) };
        this.add(node, entry, where);
        continue;
      }
      // `app "web" { ... }` → app: { web: { ... } }.
      // Each label's map sits at the position of the key before it (the name, or the label before).
      const blockWhere = [...where, item.name, ...item.labels.map((label) => JSON.stringify(label.value))];
      let value: ConfigNode = this.body(item.body, item.pos, blockWhere);
      for (let at = item.labels.length - 1; at >= 0; at--) {
        const label = item.labels[at]!;
        const wrapper = mapNode(at === 0 ? item.namePos : item.labels[at - 1]!.pos);
        wrapper.entries.set(label.value, { key: label.value, keyPos: label.pos, value });
        this.labelLevels.add(wrapper);
        value = wrapper;
      }
      this.add(node, { key: item.name, keyPos: item.namePos, value }, where);
    }
    return node;
  }

  private add(node: MapNode, entry: MapEntry, where: string[]): void {
    const existing = node.entries.get(entry.key);
    if (existing) this.mergeRepeated(existing, entry, [...where, entry.key]);
    else node.entries.set(entry.key, entry);
  }

  /** Merges a repeated block's `incoming` into the `existing` entry, key by key; a key set in both is an error. */
  private mergeRepeated(existing: MapEntry, incoming: MapEntry, where: string[]): void {
    const base = existing.value;
    const extra = incoming.value;
    if (base.kind !== "map" || extra.kind !== "map") {
      const first = existing.keyPos;
      this.issues.add(
        incoming.keyPos,
        `${where.join(" ")} is set again (first at ${first.file}:${first.line}:${first.column}): ` +
          "a repeated block merges into the first, so this would overwrite it",
      );
      return;
    }
    for (const [key, entry] of extra.entries) {
      const name = this.labelLevels.has(extra) ? JSON.stringify(key) : key;
      const known = base.entries.get(key);
      if (known) this.mergeRepeated(known, entry, [...where, name]);
      else base.entries.set(key, entry);
    }
  }
}

function bodyToNode(body: SynBody, pos: SourcePosition, values: ExprValues, issues: IssueList): MapNode {
  return new TreeBuilder(values, issues).body(body, pos);
}

/** hcl2json's value of each expression of a file. */
type ExprValues = Map<ExprValue, ParserValue>;

function synToNode(value: SynValue, values: ExprValues, issues: IssueList): ConfigNode {
  switch (value.kind) {
    case "scalar":
      return value;
    case "list":
      return { kind: "list", items: value.items.map((item) => synToNode(item, values, issues)), pos: value.pos };
    case "object": {
      const node = mapNode(value.pos);
      for (const entry of value.entries)
        node.entries.set(entry.key, {
          key: entry.key,
          keyPos: entry.keyPos,
          value: synToNode(entry.value, values, issues),
        });
      return node;
    }
    case "expr": {
      const found = values.get(value);
      if (!found?.found) {
        issues.add(value.pos, `cannot read the expression ${JSON.stringify(value.source)}`);
        return scalarNode(null, value.pos);
      }
      return nodeFromValue(found.value, value.pos);
    }
  }
}
