/**
 * The structure of an HCL (or JSON) configuration file with a position for everything,
 * and the position-preserving rewrites that let HCL2's parser accept Jaffle's HCL1-style
 * files. This parser is deliberately shallow: it knows bodies, blocks, attributes,
 * literals, lists and objects; any other expression (`var.x`, `a + b`, function calls)
 * is kept as a span whose value comes from hcl2json (see hcl.ts).
 *
 * Every rewrite replaces text by text of the same length and keeps newlines where they
 * were, so every line and column hcl2json reports is a line and column of the user's file.
 */
import {
  decodeHclString,
  decodeHeredoc,
  type LineMap,
  MAX_NESTING,
  NestingTooDeep,
  SyntaxIssue,
  type Token,
  type TokenList,
  tokenize,
} from "./hcl-lexer.js";
import type { SourcePosition } from "./errors.js";
import type { ScalarNode } from "./nodes.js";

/** A path into hcl2json's output (object keys and array indices). */
export type JsonPath = (string | number)[];

export type SynValue =
  /**
   * A literal, or a string we decoded ourselves (its HCL2 form may have been replaced by
   * a placeholder): already the node the configuration tree keeps (hcl.ts takes it as is).
   */
  | ScalarNode
  | { kind: "list"; items: SynValue[]; pos: SourcePosition }
  | { kind: "object"; entries: SynEntry[]; pos: SourcePosition }
  | ExprValue;

/** An HCL2 expression we do not evaluate ourselves; hcl2json's value is found at `path`. */
export interface ExprValue {
  kind: "expr";
  path: JsonPath;
  pos: SourcePosition;
  source: string;
}

export interface SynEntry {
  key: string;
  keyPos: SourcePosition;
  value: SynValue;
}

export interface SynBody {
  items: SynItem[];
  /** Rewritten as an HCL2 object (`name = {...}`) because it holds quoted keys or same-line commas. */
  asObject: boolean;
}

export type SynItem =
  | {
      type: "attribute";
      key: string;
      keyPos: SourcePosition;
      quoted: boolean;
      value: SynValue;
      commaOffset?: number;
      commaSameLine?: boolean;
    }
  | {
      type: "block";
      name: string;
      namePos: SourcePosition;
      nameEnd: number;
      labels: { value: string; pos: SourcePosition }[];
      braceOffset: number;
      body: SynBody;
      pos: SourcePosition;
    };

export interface Edit {
  offset: number;
  text: string;
}

export interface SyntaxResult {
  body: SynBody;
  /** Same-length rewrites that make the text acceptable to HCL2. */
  edits: Edit[];
  /** Every expression whose value hcl2json must give, in file order. */
  expressions: ExprValue[];
  issues: { offset: number; message: string }[];
}

const CLOSERS = new Set(["}", "]", ")"]);

/** Parses an HCL file's structure. Problems are collected; parsing goes on where it can. */
export function parseHclSyntax(text: string, lines: LineMap): SyntaxResult {
  const parser = new Parser(text, tokenize(text), lines, false);
  const body = parser.parseBody(true);
  parser.finishBodies(body, [], true);
  return { body, edits: parser.edits, expressions: parser.expressions, issues: parser.issues };
}

/** Parses a JSON file's structure (top-level object), with JSON string semantics. */
export function parseJsonSyntax(
  text: string,
  lines: LineMap,
): { value: SynValue | undefined; issues: { offset: number; message: string }[] } {
  const parser = new Parser(text, tokenize(text), lines, true);
  let value: SynValue | undefined;
  try {
    parser.skipNewlines();
    value = parser.parseValue();
    parser.skipNewlines();
    const rest = parser.peek();
    if (rest.type !== "eof")
      parser.issues.push({ offset: rest.start, message: `unexpected ${describe(rest)} after the JSON value` });
    if (value.kind !== "object") parser.issues.push({ offset: 0, message: "a JSON configuration must be an object" });
  } catch (error) {
    if (!(error instanceof SyntaxIssue)) throw error;
    parser.issues.push({ offset: error.offset, message: error.message });
  }
  return { value, issues: parser.issues };
}

function describe(token: Token): string {
  if (token.type === "eof") return "end of file";
  if (token.type === "newline") return "end of line";
  return JSON.stringify(token.text);
}

class Parser {
  private i = 0;
  /** Blocks, lists and objects open around the current token (see MAX_NESTING). */
  private depth = 0;
  readonly edits: Edit[] = [];
  readonly issues: { offset: number; message: string }[] = [];
  /** The expressions of the finished bodies (see finishBodies). */
  readonly expressions: ExprValue[] = [];
  /** What every read past the end sees: tokenize() ends its list with this eof token. */
  private readonly eof: Token;

  constructor(
    private readonly text: string,
    private readonly tokens: TokenList,
    private readonly lines: LineMap,
    private readonly json: boolean,
  ) {
    this.eof = tokens.at(tokens.length - 1);
  }

  peek(offset = 0): Token {
    return this.i + offset < this.tokens.length ? this.tokens.at(this.i + offset) : this.eof;
  }

  private next(): Token {
    const token = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  /** Runs `parse` one nesting level deeper; `open` is the bracket that opens the level. */
  private nested<T>(open: Token, parse: () => T): T {
    if (this.depth >= MAX_NESTING) throw new NestingTooDeep(open.start);
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private pos(offset: number): SourcePosition {
    return this.lines.position(offset);
  }

  skipNewlines(): void {
    while (this.peek().type === "newline") this.i++;
  }

  private expect(text: string): Token {
    const token = this.peek();
    if (token.type !== "punct" || token.text !== text)
      throw new SyntaxIssue(`expected "${text}", found ${describe(token)}`, token.start);
    return this.next();
  }

  /** A block body (or the file) up to its closing brace. */
  parseBody(topLevel: boolean): SynBody {
    const items: SynItem[] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token.type === "eof") {
        if (!topLevel) throw new SyntaxIssue("missing } at the end of a block", token.start);
        break;
      }
      if (token.type === "punct" && token.text === "}") {
        if (topLevel) throw new SyntaxIssue('unexpected "}"', token.start);
        break;
      }
      try {
        items.push(this.parseItem(topLevel));
      } catch (error) {
        // Too deep ends the file's parse: recovering would meet the same depth on every line.
        if (!(error instanceof SyntaxIssue) || error instanceof NestingTooDeep) throw error;
        this.issues.push({ offset: error.offset, message: error.message });
        this.recover();
      }
    }
    return { items, asObject: false };
  }

  /** After an error, skips to the next line at the same nesting depth. */
  private recover(): void {
    let depth = 0;
    for (;;) {
      const token = this.peek();
      if (token.type === "eof") return;
      if (token.type === "punct" && (token.text === "{" || token.text === "[" || token.text === "(")) depth++;
      if (token.type === "punct" && CLOSERS.has(token.text)) {
        if (depth === 0) return;
        depth--;
      }
      if (token.type === "newline" && depth === 0) return;
      this.next();
    }
  }

  private parseItem(topLevel: boolean): SynItem {
    const keyToken = this.next();
    if (keyToken.type !== "ident" && keyToken.type !== "string") {
      throw new SyntaxIssue(`expected an attribute or block name, found ${describe(keyToken)}`, keyToken.start);
    }
    const quoted = keyToken.type === "string";
    const key = quoted ? decodeName(keyToken) : keyToken.text;
    const keyPos = this.pos(keyToken.start);
    const after = this.peek();
    if (after.type === "punct" && after.text === "=") {
      if (quoted && topLevel) throw new SyntaxIssue("quoted names are allowed only inside a block", keyToken.start);
      this.next();
      const value = this.parseValue();
      const item: SynItem = { type: "attribute", key, keyPos, quoted, value };
      const end = this.peek();
      if (end.type === "punct" && end.text === ",") {
        // Jaffle's HCL1 files end attributes with commas (`level = "info",`).
        this.next();
        item.commaOffset = end.start;
        const following = this.peek();
        item.commaSameLine =
          following.type !== "newline" &&
          following.type !== "eof" &&
          !(following.type === "punct" && following.text === "}");
      }
      this.expectItemEnd();
      return item;
    }
    if (quoted) throw new SyntaxIssue(`expected "=" after the quoted name ${keyToken.text}`, after.start);
    const labels: { value: string; pos: SourcePosition }[] = [];
    while (this.peek().type === "string" || this.peek().type === "ident") {
      const label = this.next();
      labels.push({ value: label.type === "string" ? decodeName(label) : label.text, pos: this.pos(label.start) });
    }
    const brace = this.peek();
    if (!(brace.type === "punct" && brace.text === "{")) {
      throw new SyntaxIssue(`expected "=" or "{" after ${JSON.stringify(key)}, found ${describe(brace)}`, brace.start);
    }
    this.next();
    const body = this.nested(brace, () => this.parseBody(false));
    this.expect("}");
    this.expectItemEnd();
    return {
      type: "block",
      name: key,
      namePos: keyPos,
      nameEnd: keyToken.end,
      labels,
      braceOffset: brace.start,
      body,
      pos: keyPos,
    };
  }

  private expectItemEnd(): void {
    const token = this.peek();
    if (token.type === "newline" || token.type === "eof") return;
    if (token.type === "punct" && token.text === "}") return;
    // Another item on the same line after a comma: allowed in HCL1, handled by finishBodies.
    if (this.i > 0 && this.tokens.at(this.i - 1).text === ",") return;
    throw new SyntaxIssue(`expected the end of the line, found ${describe(token)}`, token.start);
  }

  /** A value: a literal, string, list or object we read ourselves, or any other expression. */
  parseValue(): SynValue {
    const startIndex = this.i;
    const editCount = this.edits.length;
    const first = this.peek();
    let value: SynValue | undefined;
    try {
      value = this.parsePrimary();
    } catch (error) {
      if (!(error instanceof SyntaxIssue) || error instanceof NestingTooDeep || this.json) throw error;
      value = undefined;
    }
    if (value && this.atValueEnd()) return value;
    if (this.json) throw new SyntaxIssue(`unexpected ${describe(this.peek())} in JSON`, this.peek().start);
    // Not a shape we read: keep the whole expression for hcl2json to evaluate.
    this.i = startIndex;
    this.edits.length = editCount;
    return this.scanExpression(first);
  }

  private atValueEnd(): boolean {
    const token = this.peek();
    return (
      token.type === "newline" ||
      token.type === "eof" ||
      (token.type === "punct" && (token.text === "," || CLOSERS.has(token.text)))
    );
  }

  private parsePrimary(): SynValue | undefined {
    const token = this.peek();
    const pos = this.pos(token.start);
    if (token.type === "string") {
      this.next();
      return { kind: "scalar", value: this.json ? decodeJsonString(token) : this.decodeString(token), pos };
    }
    if (token.type === "heredoc" && !this.json) {
      this.next();
      this.placeholder(token);
      return { kind: "scalar", value: decodeHeredoc(token.text), pos };
    }
    if (token.type === "number") {
      this.next();
      return { kind: "scalar", value: Number(token.text), pos };
    }
    if (
      token.type === "punct" &&
      token.text === "-" &&
      this.peek(1).type === "number" &&
      this.peek(1).start === token.end
    ) {
      this.next();
      const number = this.next();
      return { kind: "scalar", value: -Number(number.text), pos };
    }
    if (token.type === "ident" && (token.text === "true" || token.text === "false" || token.text === "null")) {
      this.next();
      return { kind: "scalar", value: token.text === "null" ? null : token.text === "true", pos };
    }
    if (
      token.type === "punct" &&
      token.text === "[" &&
      !(this.peek(1).type === "ident" && this.peek(1).text === "for")
    ) {
      return this.parseList();
    }
    if (
      token.type === "punct" &&
      token.text === "{" &&
      !(this.peek(1).type === "ident" && this.peek(1).text === "for")
    ) {
      return this.parseObject();
    }
    return undefined;
  }

  private parseList(): SynValue {
    const open = this.next();
    return this.nested(open, () => this.parseListItems(open));
  }

  private parseListItems(open: Token): SynValue {
    const items: SynValue[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek().type === "punct" && this.peek().text === "]") break;
      items.push(this.parseValue());
      this.skipNewlines();
      const sep = this.peek();
      if (sep.type === "punct" && sep.text === ",") {
        this.next();
        if (this.json) this.rejectTrailingComma(sep);
        continue;
      }
      if (sep.type === "punct" && sep.text === "]") break;
      throw new SyntaxIssue(`expected "," or "]" in a list, found ${describe(sep)}`, sep.start);
    }
    this.next();
    return { kind: "list", items, pos: this.pos(open.start) };
  }

  private parseObject(): SynValue {
    const open = this.next();
    return this.nested(open, () => this.parseObjectEntries(open));
  }

  private parseObjectEntries(open: Token): SynValue {
    const entries: SynEntry[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek().type === "punct" && this.peek().text === "}") break;
      const keyToken = this.next();
      if (keyToken.type !== "ident" && keyToken.type !== "string" && keyToken.type !== "number") {
        throw new SyntaxIssue(`expected an object key, found ${describe(keyToken)}`, keyToken.start);
      }
      if (this.json && keyToken.type !== "string")
        throw new SyntaxIssue("JSON object keys must be strings", keyToken.start);
      const key =
        keyToken.type === "string" ? (this.json ? decodeJsonString(keyToken) : decodeName(keyToken)) : keyToken.text;
      const sep = this.next();
      if (!(sep.type === "punct" && (sep.text === "=" || sep.text === ":")) || (this.json && sep.text !== ":")) {
        throw new SyntaxIssue(
          `expected ${this.json ? '":"' : '"="'} after the key ${keyToken.text}, found ${describe(sep)}`,
          sep.start,
        );
      }
      entries.push({ key, keyPos: this.pos(keyToken.start), value: this.parseValue() });
      const end = this.peek();
      if (end.type === "punct" && end.text === ",") {
        this.next();
        if (this.json) this.rejectTrailingComma(end);
        continue;
      }
      if (end.type === "newline" && !this.json) continue;
      if (end.type === "newline") {
        this.skipNewlines();
        const after = this.peek();
        if (after.type === "punct" && (after.text === "," || after.text === "}")) {
          if (after.text === ",") this.next();
          continue;
        }
        throw new SyntaxIssue(`expected "," or "}" in an object, found ${describe(after)}`, after.start);
      }
      if (end.type === "punct" && end.text === "}") break;
      throw new SyntaxIssue(`expected "," or "}" in an object, found ${describe(end)}`, end.start);
    }
    this.next();
    return { kind: "object", entries, pos: this.pos(open.start) };
  }

  /** JSON has no trailing commas (HCL does). */
  private rejectTrailingComma(comma: Token): void {
    this.skipNewlines();
    const after = this.peek();
    if (after.type === "punct" && (after.text === "}" || after.text === "]"))
      throw new SyntaxIssue("a trailing comma is not allowed in JSON", comma.start);
  }

  /** Any other expression: its tokens up to the end of the value at this nesting depth. */
  private scanExpression(first: Token): SynValue {
    let depth = 0;
    let last = first;
    const startIndex = this.i;
    for (;;) {
      const token = this.peek();
      if (token.type === "eof") break;
      if (
        depth === 0 &&
        (token.type === "newline" || (token.type === "punct" && (token.text === "," || CLOSERS.has(token.text))))
      )
        break;
      if (token.type === "punct" && (token.text === "(" || token.text === "[" || token.text === "{")) {
        depth++;
        // hcl2json reads this expression, and its JavaScript glue recurses as deep as it nests.
        if (this.depth + depth > MAX_NESTING) throw new NestingTooDeep(token.start);
      }
      if (token.type === "punct" && CLOSERS.has(token.text)) depth--;
      last = this.next();
    }
    if (this.i === startIndex) throw new SyntaxIssue(`expected a value, found ${describe(first)}`, first.start);
    // Where hcl2json puts its value depends on the bodies around it: finishBodies sets `path`.
    return { kind: "expr", path: [], pos: this.pos(first.start), source: this.text.slice(first.start, last.end) };
  }

  /**
   * Decodes a string the HCL1 way and, when HCL2 would reject or reinterpret it
   * (escapes, `${...}`, `%{`, raw newlines), puts a same-width placeholder in its place.
   */
  private decodeString(token: Token): string {
    const body = token.text.slice(1, -1);
    if (/[\\\n]|[$%]\{/.test(body)) this.placeholder(token);
    return decodeHclString(token.text);
  }

  private placeholder(token: Token): void {
    const source = token.text;
    if (!source.includes("\n")) {
      this.edits.push({ offset: token.start, text: '"' + "_".repeat(source.length - 2) + '"' });
      return;
    }
    // A multi-line string becomes a parenthesised expression (HCL2 ignores newlines inside
    // parentheses) so that every newline stays where it was.
    const chars: string[] = [...source].map((c) => (c === "\n" ? "\n" : " "));
    const firstLineLength = source.indexOf("\n");
    const lastLineLength = source.length - source.lastIndexOf("\n") - 1;
    chars[0] = "(";
    chars[chars.length - 1] = ")";
    if (firstLineLength >= 2) {
      chars[1] = "0";
    } else if (lastLineLength >= 2) {
      chars[chars.length - 2] = "0";
    } else {
      const inner = chars.findIndex((c, index) => c === " " && index > 0 && index < chars.length - 1);
      if (inner < 0)
        throw new SyntaxIssue(
          "a multi-line string holding only line breaks cannot be read; write it with \\n",
          token.start,
        );
      chars[inner] = "0";
    }
    this.edits.push({ offset: token.start, text: chars.join("") });
  }

  /**
   * Decides which bodies HCL2 must read as objects (quoted keys, several attributes on a
   * line) and records the rewrites; computes where each expression sits in hcl2json's output.
   */
  finishBodies(body: SynBody, path: JsonPath, topLevel: boolean, forcedObject = false): void {
    const needsObject = body.items.some(
      (item) => item.type === "attribute" && (item.quoted || item.commaSameLine === true),
    );
    body.asObject = !topLevel && (forcedObject || needsObject);
    const blockCounts = new Map<string, number>();
    for (const item of body.items) {
      if (item.type === "attribute") {
        if (item.commaOffset !== undefined && !body.asObject) this.edits.push({ offset: item.commaOffset, text: " " });
        this.assignPaths(item.value, [...path, item.key]);
        continue;
      }
      if (body.asObject) {
        if (item.labels.length > 0) {
          this.issues.push({
            offset: item.braceOffset,
            message: `block ${JSON.stringify(item.name)} with labels cannot be nested in a block holding quoted keys or commas`,
          });
          continue;
        }
        this.rewriteBlockAsObject(item);
        this.finishBodies(item.body, [...path, item.name], false, true);
        continue;
      }
      const labelKey = [item.name, ...item.labels.map((label) => label.value)];
      const countKey = JSON.stringify(labelKey);
      const index = blockCounts.get(countKey) ?? 0;
      blockCounts.set(countKey, index + 1);
      const childNeedsObject = item.body.items.some(
        (child) => child.type === "attribute" && (child.quoted || child.commaSameLine === true),
      );
      if (childNeedsObject) {
        if (item.labels.length > 0) {
          this.issues.push({
            offset: item.braceOffset,
            message: `quoted keys and same-line commas are not allowed in the labelled block ${JSON.stringify(item.name)}`,
          });
          continue;
        }
        this.rewriteBlockAsObject(item);
        this.finishBodies(item.body, [...path, item.name], false, true);
      } else {
        this.finishBodies(item.body, [...path, ...labelKey, index], false);
      }
    }
  }

  /** `name {` → `name={`: the space before the brace becomes the `=` of an attribute. */
  private rewriteBlockAsObject(item: Extract<SynItem, { type: "block" }>): void {
    const gap = this.text.slice(item.nameEnd, item.braceOffset);
    if (!/^[ \t]+$/.test(gap)) {
      this.issues.push({
        offset: item.braceOffset,
        message: `write a space between ${JSON.stringify(item.name)} and "{"`,
      });
      return;
    }
    this.edits.push({ offset: item.nameEnd, text: "=" });
  }

  private assignPaths(value: SynValue, path: JsonPath): void {
    switch (value.kind) {
      case "expr":
        value.path = path;
        this.expressions.push(value);
        break;
      case "list":
        value.items.forEach((item, index) => this.assignPaths(item, [...path, index]));
        break;
      case "object":
        for (const entry of value.entries) this.assignPaths(entry.value, [...path, entry.key]);
        break;
      default:
        break;
    }
  }
}

/** A quoted label or key: a name, never a template (HCL2 forbids `${` there, and names are not rendered). */
function decodeName(token: Token): string {
  if (/[$%]\{/.test(token.text.replace(/\$\$\{/g, "")))
    throw new SyntaxIssue(`\${...} is not allowed in a block label or key: ${token.text}`, token.start);
  return decodeHclString(token.text);
}

function decodeJsonString(token: Token): string {
  try {
    return JSON.parse(token.text) as string;
  } catch {
    throw new SyntaxIssue("invalid JSON string", token.start);
  }
}
