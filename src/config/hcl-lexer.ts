/**
 * A tokenizer for HCL (both HCL2 and Jaffle's HCL1-style files) and JSON. It exists so
 * that we know where everything is: @cdktf/hcl2json returns values without positions
 * and with sorted keys, so the structure, key order and `file:line:col` of every block,
 * attribute and value come from these tokens.
 *
 * Strings are scanned the HCL1 way: `${...}` may hold single quotes, nested double
 * quotes and `|`, and raw newlines are allowed; whether HCL2 can read such a string is
 * decided later (see hcl-prepass.ts).
 */
import type { SourcePosition } from "./errors.js";
import { JaffleError } from "../errors.js";

export type TokenType = "ident" | "number" | "string" | "heredoc" | "punct" | "newline" | "eof";

export interface Token {
  type: TokenType;
  /** The source text of the token (for `punct`, the character). */
  text: string;
  start: number;
  end: number;
}

export class SyntaxIssue extends JaffleError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message, { userFault: true });
  }
}

/**
 * How deep blocks, lists, objects, brackets and `${` inside strings may nest. Real
 * configurations nest a handful of levels; the limit keeps every later pass (ours are
 * recursive, and so is the HCL parser's JavaScript glue) far from the stack's end, so a
 * file nested 10,000 levels deep gets a located error instead of a stack overflow.
 */
export const MAX_NESTING = 100;

/** Nesting past MAX_NESTING at `offset` (the bracket that went too deep): ends the parse of the file. */
export class NestingTooDeep extends SyntaxIssue {
  constructor(offset: number) {
    super(`nested more than ${MAX_NESTING} levels deep`, offset);
  }
}

/** Maps offsets to 1-based lines and columns (columns count UTF-16 units, as editors do for ASCII). */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(
    readonly file: string,
    text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  // `starts` holds at least line 1's 0, and every index below is clamped or bisected into it.
  position(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  /** The offset of a 1-based line and column (used to map hcl2json's error positions back). */
  offset(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line, 1), this.starts.length) - 1]!;
    return start + Math.max(column, 1) - 1;
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/;
const HEREDOC = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charAt(i);
    if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") {
      i++;
    } else if (c === "\n") {
      tokens.push({ type: "newline", text: "\n", start: i, end: i + 1 });
      i++;
    } else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0) throw new SyntaxIssue("unterminated /* comment", i);
      // A multi-line comment still ends the line it started on, as in HCL.
      if (text.slice(i, close).includes("\n")) tokens.push({ type: "newline", text: "\n", start: i, end: close + 2 });
      i = close + 2;
    } else if (c === '"') {
      const end = scanQuoted(text, i);
      tokens.push({ type: "string", text: text.slice(i, end), start: i, end });
      i = end;
    } else if (c === "<" && text[i + 1] === "<" && HEREDOC.test(text.slice(i, i + 200))) {
      const end = scanHeredoc(text, i);
      tokens.push({ type: "heredoc", text: text.slice(i, end), start: i, end });
      i = end;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(text.charAt(j))) j++;
      tokens.push({ type: "ident", text: text.slice(i, j), start: i, end: j });
      i = j;
    } else if (c >= "0" && c <= "9") {
      const match = NUMBER.exec(text.slice(i, i + 100))!;
      tokens.push({ type: "number", text: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      tokens.push({ type: "punct", text: c, start: i, end: i + 1 });
      i++;
    }
  }
  tokens.push({ type: "eof", text: "", start: n, end: n });
  return tokens;
}

/**
 * Returns the offset just after the closing quote of the string opening at `start`.
 * Inside `${...}` (and `%{...}`) quotes of either kind open nested strings and braces
 * nest, as Jaffle's expressions allowed.
 */
function scanQuoted(text: string, start: number): number {
  let i = start + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charAt(i);
    if (c === "\\") {
      i += 2;
    } else if (c === '"') {
      return i + 1;
    } else if (c === "$" && text[i + 1] === "$" && text[i + 2] === "{") {
      i += 3;
    } else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      i = scanInterpolation(text, i + 2, start, 1);
    } else {
      i++;
    }
  }
  throw new SyntaxIssue("unterminated string", start);
}

/**
 * From just after `${`, returns the offset just after the matching `}`. `nesting`: how
 * many `${` (and strings inside them) enclose this one, counted with its braces against
 * MAX_NESTING.
 */
function scanInterpolation(text: string, from: number, stringStart: number, nesting: number): number {
  let depth = 1;
  let i = from;
  const n = text.length;
  if (nesting > MAX_NESTING) throw new NestingTooDeep(from - 2);
  while (i < n) {
    const c = text.charAt(i);
    if (c === "\\") {
      // An escaped character of the enclosing string (HCL1's `${env(\"HOME\")}`) never ends it.
      i += 2;
    } else if (c === '"' || c === "'") {
      i = skipExpressionString(text, i, c, stringStart, nesting + depth);
    } else if (c === "{") {
      depth++;
      if (nesting + depth > MAX_NESTING) throw new NestingTooDeep(i);
      i++;
    } else if (c === "}") {
      depth--;
      i++;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw new SyntaxIssue("unterminated ${ in string", stringStart);
}

function skipExpressionString(
  text: string,
  start: number,
  quote: string,
  stringStart: number,
  nesting: number,
): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === "\\") i += 2;
    else if (c === quote) return i + 1;
    else if (c === "$" && text[i + 1] === "{" && quote === '"')
      i = scanInterpolation(text, i + 2, stringStart, nesting + 1);
    else i++;
  }
  throw new SyntaxIssue("unterminated string inside ${...}", stringStart);
}

function scanHeredoc(text: string, start: number): number {
  const match = HEREDOC.exec(text.slice(start, start + 200))!;
  const marker = match[2]!;
  let lineStart = start + match[0].length;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (text.slice(lineStart, lineEnd).trim() === marker)
      return lineStart + text.slice(lineStart, lineEnd).indexOf(marker) + marker.length;
    if (lineEnd === text.length) break;
    lineStart = lineEnd + 1;
  }
  throw new SyntaxIssue(`unterminated heredoc: no line holding only ${marker}`, start);
}

/**
 * Decodes a quoted HCL string token the way Jaffle's HCL1 parser did: `\\`, `\"`, `\n`,
 * `\t`, `\r` and `\uXXXX` are escapes; any other backslash sequence (`\033`, `\d`, `\1`)
 * is kept verbatim, because Jaffle's regular expressions and replacement templates
 * rely on it. `$${` stays as written: the template engine turns it into a literal `${`.
 */
export function decodeHclString(token: string): string {
  const body = token.slice(1, -1);
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body.charAt(i);
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const next = body.charAt(i + 1);
    i++;
    switch (next) {
      case "\\":
        out += "\\";
        break;
      case '"':
        out += '"';
        break;
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "u":
      case "U": {
        const width = next === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + width);
        if (/^[0-9A-Fa-f]+$/.test(hex) && hex.length === width) {
          out += String.fromCodePoint(parseInt(hex, 16));
          i += width;
        } else {
          out += "\\" + next;
        }
        break;
      }
      default:
        out += "\\" + next;
    }
  }
  return out;
}

/** The text of a heredoc token (`<<EOF` or the indented `<<-EOF` form). */
export function decodeHeredoc(token: string): string {
  const match = HEREDOC.exec(token)!;
  const strip = match[1] === "-";
  const lines = token.slice(match[0].length).split("\n");
  lines.pop(); // the closing marker line
  let body = lines.map((line) => line.replace(/\r$/, ""));
  if (strip) {
    const indents = body.filter((line) => line.trim() !== "").map((line) => /^[ \t]*/.exec(line)![0].length);
    const common = indents.length > 0 ? Math.min(...indents) : 0;
    body = body.map((line) => line.slice(common));
  }
  return body.map((line) => line + "\n").join("");
}
