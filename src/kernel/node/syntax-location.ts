/**
 * Where a SyntaxError from loading a module really is. Node 20 throws a bare
 * `SyntaxError: Unexpected token ';'` for an ES module that does not parse, naming
 * neither the file nor the line (and the file may be any module the imported one pulls
 * in); a CommonJS module's error puts `file:line`, the source line and a caret above
 * the message instead. This finds `file:line:col` in both cases: from that header, or
 * by parsing the imported modules and what they import (relative and file: specifiers,
 * JavaScript with acorn, whose errors sit where V8's do; TypeScript files are only
 * followed, since tsx reports their own errors with a location already).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, type Node } from "acorn";
import { beforeFirst } from "../../shared/text.js";
import { scanImports, TYPESCRIPT_EXTENSIONS } from "./import-scan.js";

export interface SyntaxLocation {
  /** Absolute path of the module that does not parse. */
  file: string;
  line: number;
  /** 1-based. */
  column: number;
  /** V8's message, without the `SyntaxError: ` prefix. */
  message: string;
}

/** How many modules the search reads at most: the error is usually in the first few. */
const MAX_MODULES = 500;
const JAVASCRIPT = new Set([".js", ".mjs", ".cjs", ".jsx"]);
const TYPESCRIPT = new Set<string>(TYPESCRIPT_EXTENSIONS);
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx"];
/** `/p/app.cjs:3` (or a file: URL) as the first line of a CommonJS SyntaxError's stack. */
const ARROW_HEADER = /^((?:file:\/\/)?\/[^\n]*?):(\d+)\n([^\n]*)\n([ \t]*)\^+[^\n]*\n/;
const MESSAGE = /^SyntaxError: (.*)$/m;

/**
 * The location of the syntax error `stack` reports, starting the search at `entries`
 * (the modules that were being imported); undefined when `stack` is not a SyntaxError
 * or no module can be blamed.
 */
export function locateSyntaxError(stack: string, entries: string[]): SyntaxLocation | undefined {
  const message = MESSAGE.exec(stack)?.[1];
  if (message === undefined) return undefined;
  const arrow = ARROW_HEADER.exec(stack);
  if (arrow) {
    const file = arrow[1]!.startsWith("file:") ? fileURLToPath(arrow[1]!) : arrow[1]!;
    return { file, line: Number(arrow[2]), column: arrow[4]!.length + 1, message };
  }
  // Only a SyntaxError without a place of its own: one with a frame in a file has one.
  const frames = (stack.split(MESSAGE)[2] ?? "").split("\n");
  if (
    frames.some(
      (frame) => /^\s+at .*(?:file:\/\/|[\s(]\/)[^\s]*:\d+:\d+\)?$/.test(frame) && !frame.includes("/node_modules/"),
    )
  )
    return undefined;
  return searchModules(entries, message);
}

function searchModules(entries: string[], message: string): SyntaxLocation | undefined {
  const queue = entries.filter((file) => existsSync(file));
  const seen = new Set(queue);
  for (let index = 0; index < queue.length && index < MAX_MODULES; index++) {
    const file = queue[index]!;
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const extension = extname(file);
    let specifiers: string[];
    if (JAVASCRIPT.has(extension)) {
      const parsed = parseJavaScript(file, source);
      if ("error" in parsed) return { file, ...parsed.error, message };
      specifiers = parsed.specifiers;
    } else if (TYPESCRIPT.has(extension)) {
      specifiers = scanSpecifiers(source);
    } else {
      continue;
    }
    for (const specifier of specifiers) {
      const target = resolveSpecifier(specifier, file);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return undefined;
}

type Parsed = { specifiers: string[] } | { error: { line: number; column: number } };

/**
 * Parses a module as Node would read it: `.mjs` and a `.js` in a `"type": "module"`
 * package as a module, `.cjs` as a script; any other `.js` either way (Node detects
 * ES module syntax), and when neither parses the error that came later in the file wins.
 */
function parseJavaScript(file: string, source: string): Parsed {
  const extension = extname(file);
  const kinds: ("module" | "script")[] =
    extension === ".mjs" || (extension === ".js" && packageType(file) === "module")
      ? ["module"]
      : extension === ".cjs"
        ? ["script"]
        : ["script", "module"];
  let furthest: { line: number; column: number; pos: number } | undefined;
  for (const sourceType of kinds) {
    try {
      const ast = parse(source, {
        ecmaVersion: "latest",
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: sourceType === "script",
        locations: true,
      });
      return { specifiers: collectSpecifiers(ast) };
    } catch (error) {
      const { loc, pos } = error as { loc?: { line: number; column: number }; pos?: number };
      if (!loc || pos === undefined) throw error;
      if (!furthest || pos > furthest.pos) furthest = { line: loc.line, column: loc.column + 1, pos };
    }
  }
  return { error: { line: furthest!.line, column: furthest!.column } };
}

/** Static imports, re-exports, `import("literal")` and `require("literal")`. */
function collectSpecifiers(ast: Node): string[] {
  const found: string[] = [];
  const stack: unknown[] = [ast];
  // Iterative: a deeply nested module must not overflow the stack here either.
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | null;
    if (!node || typeof node !== "object") continue;
    const type = node["type"];
    const literal = (value: unknown) => {
      const source = value as { type?: string; value?: unknown } | null;
      if (source?.type === "Literal" && typeof source.value === "string") found.push(source.value);
    };
    if (
      type === "ImportDeclaration" ||
      type === "ExportNamedDeclaration" ||
      type === "ExportAllDeclaration" ||
      type === "ImportExpression"
    )
      literal(node["source"]);
    if (type === "CallExpression") {
      const callee = node["callee"] as { type?: string; name?: string } | undefined;
      const args = node["arguments"] as unknown[] | undefined;
      if (callee?.type === "Identifier" && callee.name === "require") literal(args?.[0]);
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) stack.push(...value);
      else if (value && typeof value === "object") stack.push(value);
    }
  }
  return found;
}

/** TypeScript is not parsed here, only followed: the literal specifiers of its import forms. */
function scanSpecifiers(source: string): string[] {
  return scanImports(source).flatMap(({ specifier }) => specifier ?? []);
}

/** A relative, absolute or file: specifier as a file, with tsx's extension rules; bare ones are packages, not searched. */
function resolveSpecifier(specifier: string, from: string): string | undefined {
  let base: string;
  if (specifier.startsWith("file:")) base = fileURLToPath(specifier);
  else if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/"))
    base = resolve(dirname(from), beforeFirst(specifier, "?"));
  else return undefined;
  const candidates = [base];
  // `./x.js` written for a TypeScript file `x.ts` (what tsc asks for).
  const swapped = base.replace(/\.(m|c)?js$/, (_all, kind: string | undefined) => `.${kind ?? ""}ts`);
  if (swapped !== base) candidates.push(swapped);
  for (const extension of EXTENSIONS) candidates.push(base + extension);
  for (const extension of EXTENSIONS) candidates.push(join(base, "index" + extension));
  return candidates.find((candidate) => isFile(candidate));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `type` of the nearest package.json above `file` (Node's rule for `.js`). */
function packageType(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The modules a cell's code imports (relative to `dir`, the kernel's working directory). */
export function importedModules(source: string, dir: string): string[] {
  const from = join(dir, "<cell>");
  return scanSpecifiers(source).flatMap((specifier) => resolveSpecifier(specifier, from) ?? []);
}
