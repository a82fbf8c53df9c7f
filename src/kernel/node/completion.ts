/**
 * `complete_request`: global names and keywords for a bare word, property names (through
 * the prototype chain) after `a.b.`. Positions are code points, as the protocol counts.
 */
import { codePointToIndex, indexToCodePoint } from "./code-points.js";
import { lookupPath, propertyNames, targetBefore } from "./name-lookup.js";

export interface Completion {
  matches: string[];
  /** Code-point range of the text the matches replace. */
  cursor_start: number;
  cursor_end: number;
}

const KEYWORDS = [
  "async",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "import",
  "in",
  "instanceof",
  "let",
  "new",
  "null",
  "of",
  "return",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "undefined",
  "var",
  "void",
  "while",
  "with",
  "yield",
];

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** Public names first, then `_private`, then `__dunder__`, each alphabetically. */
function byVisibility(a: string, b: string): number {
  const rank = (name: string) => (name.startsWith("__") ? 2 : name.startsWith("_") ? 1 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function complete(code: string, cursorPos: number): Completion {
  const cursor = codePointToIndex(code, cursorPos);
  const target = targetBefore(code, cursor);
  if (target === undefined) return { matches: [], cursor_start: cursorPos, cursor_end: cursorPos };

  let candidates: string[];
  if (target.objectPath.length > 0) {
    const object = lookupPath(target.objectPath);
    candidates = object.found ? propertyNames(object.value) : [];
  } else {
    candidates = [...propertyNames(globalThis), ...KEYWORDS];
  }
  const matches = [...new Set(candidates)]
    .filter((name) => name.startsWith(target.name) && IDENTIFIER.test(name))
    .sort(byVisibility);
  return { matches, cursor_start: indexToCodePoint(code, target.nameStart), cursor_end: cursorPos };
}
