/**
 * What a source text imports, by a scan of its text rather than a parse, so that it also
 * reads TypeScript and code that does not parse: `from "x"`, `import "x"`, `import("x")`
 * and `require("x")`. A match inside a string or a comment is a false positive; both
 * users (syntax-location.ts follows imports to find a syntax error, typescript-loader.ts
 * decides whether a cell may need TypeScript) only do a little more work for one.
 */

/** The extensions tsx compiles and Node alone cannot load. */
export const TYPESCRIPT_EXTENSIONS = [".ts", ".cts", ".mts", ".tsx"] as const;

/** A specifier as it is written, or `undefined` for an `import()` of a computed one. */
export interface ScannedImport {
  specifier: string | undefined;
  /** Loaded with `require()` rather than an import form. */
  required: boolean;
}

const STATIC_OR_REQUIRE = /\b(from\s*|import\s*|require\s*\(\s*)(["'])([^"'\n]+)\2/g;
/** `import(` then, when it is a literal (a template without `${` counts), the literal. */
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(?:(["'`])([^"'`\n]+)\1\s*[,)])?/g;

export function scanImports(source: string): ScannedImport[] {
  const found: ScannedImport[] = [];
  for (const match of source.matchAll(STATIC_OR_REQUIRE))
    found.push({ specifier: match[3], required: match[1]?.startsWith("require") ?? false });
  for (const match of source.matchAll(DYNAMIC_IMPORT)) {
    const computed = match[2] === undefined || (match[1] === "`" && match[2].includes("${"));
    found.push({ specifier: computed ? undefined : match[2], required: false });
  }
  return found;
}
