/**
 * Finding what the cursor is on (`console.lo|`, `server.address|`) and looking it up in
 * the kernel's globals, for completion and inspection. Only plain property chains
 * (`a.b?.c`) are followed: evaluating anything with calls or operators could have side
 * effects, and a keypress must never run the user's code (property getters aside, which
 * Node's REPL also runs).
 */

const IDENT = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*`;
const DOT = String.raw`\s*\??\.\s*`;
/** `a.b?.c.` + `partial` at the end of the text. */
const TRAILING_CHAIN = new RegExp(String.raw`(?:(${IDENT}(?:${DOT}${IDENT})*)(${DOT}))?(${IDENT})?$`, "u");
const IDENT_CHAR = /[\p{ID_Continue}$\u200c\u200d]/u;
const CALL_OPENING = new RegExp(String.raw`(${IDENT}(?:${DOT}${IDENT})*)\s*\(\s*$`, "u");

export interface CursorTarget {
  /** The chain before the last dot (`["console"]` for `console.lo`), empty for a bare name. */
  objectPath: string[];
  /** The (partial) name at the cursor. */
  name: string;
  /** UTF-16 index where `name` starts. */
  nameStart: number;
}

/** What is being typed just before `index` (for completion). */
export function targetBefore(code: string, index: number): CursorTarget | undefined {
  const before = code.slice(0, index);
  const match = TRAILING_CHAIN.exec(before);
  if (!match) return undefined;
  const [whole, chain, , name = ""] = match;
  const start = index - whole.length;
  // `f().x`, `a[0].x`: a member of something that is not a plain chain, so nothing to
  // look up (but `...x` is a spread, not a member access).
  const preceding = before.slice(0, start).trimEnd();
  if (preceding.endsWith(".") && !/(^|[^.])\.\.\.$/.test(preceding)) return undefined;
  return {
    objectPath: chain === undefined ? [] : chain.split(/\s*\??\.\s*/u),
    name,
    nameStart: index - name.length,
  };
}

/** The name the cursor is in or right after, or the function whose call is being opened. */
export function targetAt(code: string, index: number): CursorTarget | undefined {
  let end = index;
  while (end < code.length && IDENT_CHAR.test(code.charAt(end))) end++;
  const target = targetBefore(code, end);
  if (target && target.name !== "") return target;
  const call = CALL_OPENING.exec(code.slice(0, index));
  if (!call) return undefined;
  const path = call[1]!.split(/\s*\??\.\s*/u);
  const name = path.pop()!;
  return { objectPath: path, name, nameStart: call.index + call[1]!.length - name.length };
}

export type Lookup = { found: true; value: unknown } | { found: false };

/** Reads a property without letting a throwing getter escape. */
function readProperty(object: unknown, key: string): Lookup {
  if (object === null || object === undefined) return { found: false };
  try {
    const boxed = Object(object) as Record<string, unknown>;
    if (!(key in boxed)) return { found: false };
    return { found: true, value: boxed[key] };
  } catch {
    return { found: false };
  }
}

/** Looks up `path` from the global object (`this` at the start means the global too). */
export function lookupPath(path: string[]): Lookup {
  let current: Lookup = { found: true, value: globalThis };
  for (const [i, key] of path.entries()) {
    if (i === 0 && key === "this") continue;
    current = readProperty(current.found ? current.value : undefined, key);
    if (!current.found) return current;
  }
  return current;
}

/** Every string-keyed property name reachable through the prototype chain. */
export function propertyNames(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const names = new Set<string>();
  let object: object | null = Object(value) as object;
  for (let depth = 0; object !== null && depth < 32; depth++) {
    try {
      for (const name of Object.getOwnPropertyNames(object)) names.add(name);
      object = Object.getPrototypeOf(object) as object | null;
    } catch {
      break; // a hostile Proxy: keep what was found
    }
  }
  return [...names];
}
