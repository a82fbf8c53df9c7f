/**
 * Deciding, without running the HCL2 parser, that a (rewritten) configuration text is
 * valid HCL2 — for the plain files most configurations are: blocks, attributes, numbers,
 * `true`/`false`/`null`, strings without escapes or templates, lists and objects of those,
 * and our own same-width placeholders `(0 ... )`.
 *
 * hcl2json reads about 1 MB a second after a start-up of several hundred milliseconds
 * (README, "Config loading by size"); for a file with no expression to evaluate its only
 * job is to say whether the text is valid. This recognizer answers "valid" only for
 * a strict subset of HCL2 whose every rule it checks (the newline rules of bodies and
 * objects, separators, duplicate names, keywords, string contents). Anything else —
 * and every invalid text — answers "not plain", and hcl2json stays the authority that
 * accepts it or names the error. So it may send a valid file to hcl2json, never let an
 * invalid one through (test/config/hcl2-plain.test.ts checks it against hcl2json).
 */

/** Names HCL2 reads as keywords in some position: never taken as plain. */
const KEYWORDS = new Set(["true", "false", "null", "for", "in", "if", "endif", "endfor", "else"]);

/** Thrown to stop at the first thing outside the subset. */
class NotPlain extends Error {}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const SLASH = 47;
const STAR = 42;
const QUOTE = 34;
const BACKSLASH = 92;
const DOLLAR = 36;
const PERCENT = 37;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const EQUALS = 61;
const COLON = 58;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === MINUS;
}

/** True when `text` is certainly valid HCL2 of the plain subset; false means "ask hcl2json". */
export function isPlainHcl2(text: string): boolean {
  try {
    new Recognizer(text).file();
    return true;
  } catch (error) {
    if (error instanceof NotPlain) return false;
    throw error;
  }
}

class Recognizer {
  private i = 0;
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  private fail(): never {
    throw new NotPlain();
  }

  private at(offset = 0): number {
    const index = this.i + offset;
    return index < this.n ? this.text.charCodeAt(index) : -1;
  }

  /**
   * Skips spaces, tabs and comments; newlines too when `newlines`. A line comment stops
   * before its newline (HCL2 reads that newline as the end of the item); a `/* *\/`
   * comment spanning lines is outside the subset (HCL2 and our lexer differ on it).
   */
  private space(newlines: boolean): void {
    for (;;) {
      const c = this.at();
      if (c === SPACE || c === TAB) this.i++;
      else if (c === CR) {
        if (this.at(1) !== NL) this.fail();
        this.i++;
      } else if (c === NL && newlines) this.i++;
      else if (c === HASH || (c === SLASH && this.at(1) === SLASH)) {
        const end = this.text.indexOf("\n", this.i);
        this.i = end < 0 ? this.n : end;
        // A line comment ending in \r\n: the \r belongs to the newline.
        if (this.text.charCodeAt(this.i - 1) === CR) this.i--;
      } else if (c === SLASH && this.at(1) === STAR) {
        const end = this.text.indexOf("*/", this.i + 2);
        if (end < 0 || this.text.slice(this.i, end).includes("\n")) this.fail();
        this.i = end + 2;
      } else return;
    }
  }

  /** The end of an item: a newline (consumed), or the end of the file when `top`. */
  private itemEnd(top: boolean): void {
    this.space(false);
    const c = this.at();
    if (c === CR) this.i++;
    if (this.at() === NL) {
      this.i++;
      return;
    }
    if (c === -1 && top) return;
    this.fail();
  }

  file(): void {
    this.body(true);
  }

  /** Items up to the end of the file (`top`) or up to (not past) the closing brace. */
  private body(top: boolean): void {
    const attributes = new Set<string>();
    /** Block names and their label counts: hcl2json cannot convert `b {}` beside `b "x" {}`. */
    const blocks = new Map<string, number>();
    for (;;) {
      this.space(true);
      const c = this.at();
      if (c === -1) {
        if (top) return;
        this.fail();
      }
      if (c === CLOSE_BRACE) {
        if (top) this.fail();
        return;
      }
      const name = this.identifier();
      if (KEYWORDS.has(name)) this.fail();
      this.space(false);
      if (this.at() === EQUALS) {
        this.i++;
        if (attributes.has(name) || blocks.has(name)) this.fail();
        attributes.add(name);
        this.value();
        this.itemEnd(top);
        continue;
      }
      if (attributes.has(name)) this.fail();
      let labels = 0;
      while (this.at() !== OPEN_BRACE) {
        if (this.at() === QUOTE) this.plainString();
        else if (isIdentStart(this.at())) this.identifier();
        else this.fail();
        labels++;
        this.space(false);
      }
      if ((blocks.get(name) ?? labels) !== labels) this.fail();
      blocks.set(name, labels);
      this.i++;
      this.space(false);
      if (this.at() === CLOSE_BRACE) {
        this.i++; // `name {}`
      } else if (this.at() !== NL && this.at() !== CR && this.at() !== -1) {
        this.oneLineBody();
      } else {
        this.itemEnd(false); // `{` ends its line
        this.body(false);
        this.i++; // the `}` body() stopped at
      }
      this.itemEnd(top);
    }
  }

  /** `name { attribute = value }`: HCL2's one-line block holds one attribute and no newline. */
  private oneLineBody(): void {
    const start = this.i;
    const name = this.identifier();
    if (KEYWORDS.has(name)) this.fail();
    this.space(false);
    if (this.at() !== EQUALS) this.fail();
    this.i++;
    this.value();
    this.space(false);
    if (this.at() !== CLOSE_BRACE || this.text.slice(start, this.i).includes("\n")) this.fail();
    this.i++;
  }

  private identifier(): string {
    const start = this.i;
    if (!isIdentStart(this.at())) this.fail();
    this.i++;
    while (isIdentPart(this.at())) this.i++;
    return this.text.slice(start, this.i);
  }

  private plainString(): void {
    this.i++;
    for (;;) {
      const c = this.at();
      if (c === QUOTE) {
        this.i++;
        return;
      }
      if (c === -1 || c < SPACE || c === 127 || c === BACKSLASH) this.fail();
      if ((c === DOLLAR || c === PERCENT) && this.at(1) === OPEN_BRACE) this.fail();
      this.i++;
    }
  }

  private number(): void {
    while (isDigit(this.at())) this.i++;
    if (this.at() === 46 && isDigit(this.at(1))) {
      this.i++;
      while (isDigit(this.at())) this.i++;
    }
    const e = this.at();
    if (e === 101 || e === 69) {
      this.i++;
      if (this.at() === 43 || this.at() === MINUS) this.i++;
      if (!isDigit(this.at())) this.fail();
      while (isDigit(this.at())) this.i++;
    }
    // `1x`, `1.` and `1.x` are not numbers of the subset.
    if (isIdentPart(this.at()) || this.at() === 46) this.fail();
  }

  /** One value, after which the caller checks what may follow it. */
  private value(): void {
    this.space(false);
    const c = this.at();
    if (c === QUOTE) this.plainString();
    else if (isDigit(c)) this.number();
    else if (c === MINUS && isDigit(this.at(1))) {
      this.i++;
      this.number();
    } else if (c === OPEN_BRACKET) this.list();
    else if (c === OPEN_BRACE) this.object();
    else if (c === OPEN_PAREN) this.placeholder();
    else if (isIdentStart(c)) {
      const word = this.identifier();
      if (word !== "true" && word !== "false" && word !== "null") this.fail();
    } else this.fail();
  }

  /** `[a, b,]`: newlines are insignificant inside brackets. */
  private list(): void {
    this.i++;
    for (;;) {
      this.space(true);
      if (this.at() === CLOSE_BRACKET) break;
      this.value();
      this.space(true);
      if (this.at() === COMMA) {
        this.i++;
        continue;
      }
      if (this.at() === CLOSE_BRACKET) break;
      this.fail();
    }
    this.i++;
  }

  /** `{ k = v, "k2" = v2 \n k3 = v3 }`: items end with a comma or a newline. */
  private object(): void {
    this.i++;
    const keys = new Set<string>();
    for (;;) {
      this.space(true);
      if (this.at() === CLOSE_BRACE) break;
      let key: string;
      if (this.at() === QUOTE) {
        const start = this.i;
        this.plainString();
        key = this.text.slice(start + 1, this.i - 1);
      } else {
        key = this.identifier();
        if (KEYWORDS.has(key)) this.fail();
      }
      if (keys.has(key)) this.fail();
      keys.add(key);
      this.space(false);
      if (this.at() !== EQUALS && this.at() !== COLON) this.fail();
      this.i++;
      this.value();
      this.space(false);
      const c = this.at();
      if (c === CLOSE_BRACE) break;
      if (c === COMMA || c === NL) {
        this.i++;
        continue;
      }
      if (c === CR && this.at(1) === NL) {
        this.i += 2;
        continue;
      }
      this.fail();
    }
    this.i++;
  }

  /** Our placeholder for a multi-line string: `(`, one `0`, `)`, with spaces and newlines between. */
  private placeholder(): void {
    this.i++;
    this.space(true);
    if (this.at() !== ZERO) this.fail();
    this.i++;
    this.space(true);
    if (this.at() !== CLOSE_PAREN) this.fail();
    this.i++;
  }
}
