/**
 * Python's `fnmatch` semantics, which Jaffle's watchdog patterns follow: the pattern
 * must match the WHOLE (absolute) path, `*` matches any run of characters including
 * `/` (so `*.py` also matches files in subdirectories), `?` one character, `[seq]` a set, `[!seq]` its
 * complement, and an unclosed `[` is a literal. Compiled once per pattern.
 */

export interface PathMatcher {
  (path: string): boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Translates one fnmatch pattern into an anchored RegExp source (CPython's fnmatch.translate, simplified). */
export function translate(pattern: string): string {
  let out = "";
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern.charAt(i++);
    if (c === "*") {
      // Consecutive stars mean the same as one.
      while (pattern[i] === "*") i++;
      out += "[\\s\\S]*";
    } else if (c === "?") {
      out += "[\\s\\S]";
    } else if (c === "[") {
      let j = i;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < n && pattern[j] !== "]") j++;
      if (j >= n) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i, j);
      i = j + 1;
      let negate = false;
      if (body.startsWith("!")) {
        negate = true;
        body = body.slice(1);
      }
      // Inside a class only `\`, `]` and `^` need escaping; `-` keeps its range meaning.
      const cls = body.replace(/[\\\]^]/g, "\\$&");
      out += negate ? `[^${cls}]` : cls.length === 0 ? "(?!)" : `[${cls}]`;
    } else {
      out += escapeRegExp(c);
    }
  }
  return `^${out}$`;
}

/** A matcher for one pattern; `caseSensitive = false` compares case-insensitively. */
export function fnmatcher(pattern: string, caseSensitive: boolean): PathMatcher {
  const re = new RegExp(translate(pattern), caseSensitive ? "" : "i");
  return (path) => re.test(path);
}

export function fnmatch(path: string, pattern: string, caseSensitive = true): boolean {
  return fnmatcher(pattern, caseSensitive)(path);
}

/** True when any pattern matches (an empty list matches nothing). */
export function anyMatcher(patterns: readonly string[], caseSensitive: boolean): PathMatcher {
  const matchers = patterns.map((p) => fnmatcher(p, caseSensitive));
  return (path) => matchers.some((m) => m(path));
}
