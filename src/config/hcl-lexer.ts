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
  /** The line of the last lookup: the parser asks in file order, so the next is usually on it or just after. */
  private recent = 0;

  constructor(
    readonly file: string,
    text: string,
  ) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  // `starts` holds at least line 1's 0, and every index below is clamped or bisected into it.
  position(offset: number): SourcePosition {
    const starts = this.starts;
    let line = this.recent;
    if (starts[line]! <= offset && (line + 1 >= starts.length || offset < starts[line + 1]!)) {
      // On the line of the last lookup.
    } else if (line + 2 < starts.length && starts[line + 1]! <= offset && offset < starts[line + 2]!) {
      line++;
    } else {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      line = lo;
    }
    this.recent = line;
    return { file: this.file, line: line + 1, column: offset - starts[line]! + 1 };
  }

  /** The offset of a 1-based line and column (used to map hcl2json's error positions back). */
  offset(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line, 1), this.starts.length) - 1]!;
    return start + Math.max(column, 1) - 1;
  }
}

const HEREDOC = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/;

// The tokenizer reads character codes: one pass over a 10 MB file has no time for a
// regular expression or a one-character string per character.
const NEWLINE = 10;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** `[A-Za-z_]`. */
function isIdentStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** `[A-Za-z0-9_-]`. */
function isIdentPart(code: number): boolean {
  return isIdentStart(code) || isDigit(code) || code === 45;
}

/** The end of the number starting at `start`: `[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`. */
function scanNumber(text: string, start: number): number {
  let i = start;
  while (isDigit(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    i += 2;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

const TYPES: readonly TokenType[] = ["ident", "number", "string", "heredoc", "punct", "newline", "eof"];
const IDENT = 0;
const NUMBER_TOKEN = 1;
const STRING = 2;
const HEREDOC_TOKEN = 3;
const PUNCT = 4;
const NEWLINE_TOKEN = 5;
const EOF = 6;

/**
 * The tokens of a text, as three typed arrays (type, start, end) rather than an object
 * per token: a 10 MB file has 1.5 million tokens, and keeping an object (and a string)
 * for each cost more in garbage collection than all the rest of tokenizing. `at()`
 * builds a token when the parser reads it; the last few are kept, so peeking at the
 * same token again costs nothing.
 */
export class TokenList {
  private types = new Uint8Array(1024);
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private count = 0;
  private readonly recent: (Token | undefined)[] = [undefined, undefined, undefined, undefined];

  constructor(private readonly text: string) {}

  get length(): number {
    return this.count;
  }

  push(type: number, start: number, end: number): void {
    if (this.count === this.types.length) {
      const size = this.count * 2;
      const types = new Uint8Array(size);
      types.set(this.types);
      const starts = new Int32Array(size);
      starts.set(this.starts);
      const ends = new Int32Array(size);
      ends.set(this.ends);
      this.types = types;
      this.starts = starts;
      this.ends = ends;
    }
    this.types[this.count] = type;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /** The token at `index`; past the end, the final eof token. */
  at(index: number): Token {
    const at = Math.max(0, Math.min(index, this.count - 1));
    const slot = at & 3;
    const known = this.recent[slot];
    const start = this.starts[at]!;
    if (known !== undefined && known.start === start && known.end === this.ends[at]) return known;
    const kind = this.types[at]!;
    const end = this.ends[at]!;
    const text =
      kind === NEWLINE_TOKEN
        ? "\n"
        : kind === EOF
          ? ""
          : kind === PUNCT
            ? this.text.charAt(start)
            : this.text.slice(start, end);
    const token: Token = { type: TYPES[kind]!, text, start, end };
    this.recent[slot] = token;
    return token;
  }
}

export function tokenize(text: string): TokenList {
  const tokens = new TokenList(text);
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
      i++;
    } else if (c === NEWLINE) {
      tokens.push(NEWLINE_TOKEN, i, i + 1);
      i++;
    } else if (c === 35 || (c === 47 && next === 47)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end;
    } else if (c === 47 && next === 42) {
      const close = text.indexOf("*/", i + 2);
      if (close < 0) throw new SyntaxIssue("unterminated /* comment", i);
      // A multi-line comment still ends the line it started on, as in HCL.
      const lineBreak = text.indexOf("\n", i);
      if (lineBreak >= 0 && lineBreak < close) tokens.push(NEWLINE_TOKEN, i, close + 2);
      i = close + 2;
    } else if (c === 34) {
      const end = scanQuoted(text, i);
      tokens.push(STRING, i, end);
      i = end;
    } else if (c === 60 && next === 60 && HEREDOC.test(text.slice(i, i + 200))) {
      const end = scanHeredoc(text, i);
      tokens.push(HEREDOC_TOKEN, i, end);
      i = end;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      tokens.push(IDENT, i, j);
      i = j;
    } else if (isDigit(c)) {
      const end = scanNumber(text, i);
      tokens.push(NUMBER_TOKEN, i, end);
      i = end;
    } else {
      tokens.push(PUNCT, i, i + 1);
      i++;
    }
  }
  tokens.push(EOF, n, n);
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
