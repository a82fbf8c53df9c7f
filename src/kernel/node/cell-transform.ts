/**
 * Rewrites a notebook cell into JavaScript that `vm.Script` can run in the kernel's global
 * context with notebook semantics, the way Node's REPL rewrites top-level await:
 *
 * - Top-level `let`, `const` and `class` declarations become assignments to globals, so a
 *   later cell may declare the same name again (a script-level `const` could not be
 *   redeclared, and each cell is its own script). The price is that the names behave like
 *   `var`s: no temporal dead zone, and a hoisted `const` can be reassigned.
 * - A cell with top-level `await` (or `for await`, or a static `import`) runs inside an
 *   async arrow function; there `var` becomes an assignment too, and each top-level
 *   function declaration is copied to `globalThis` when the cell starts (function
 *   declarations are hoisted, so the copy exists before any of the cell's code runs).
 * - `import x, { a as b } from "m"` becomes `({ default: x, a: b } = await import("m"))`;
 *   dynamic `import()` in the kernel resolves against the project directory.
 *
 * Edits replace whole statements in place and never add line breaks inside the user's
 * code, so line numbers in stack traces are the cell's own; the async wrapper's prefix
 * on line 1 is compensated by `columnOffset`.
 */
import { parse, type Node, type Options as AcornOptions } from "acorn";

/** Parser options shared with `is_complete`: a sloppy-mode script that may `await` and `import`. */
export const CELL_PARSE_OPTIONS: AcornOptions = {
  ecmaVersion: "latest",
  sourceType: "script",
  allowAwaitOutsideFunction: true,
  allowImportExportEverywhere: true,
  allowHashBang: true,
  locations: true,
};

export interface TransformedCell {
  /** The code to compile. */
  code: string;
  /** Global names the cell assigns instead of declaring; they must exist before it runs. */
  assignedGlobals: string[];
  /**
   * True when the code is an async arrow call: its completion value is a promise of
   * `{ value }` (the last expression's value) or of undefined.
   */
  isAsync: boolean;
  /** The cell ends with an expression statement, whose value is the cell's result. */
  hasResult: boolean;
  /** Added to column numbers on line 1 (negative: the wrapper's prefix is not the user's). */
  columnOffset: number;
  /** Lines of the user's cell: frames below it are the wrapper's. */
  lineCount: number;
  /**
   * Maps a 1-based column that V8 reports on `line` (columnOffset already applied) back
   * to the column in the user's cell, undoing the edits made on that line.
   */
  mapColumn(line: number, column: number): number;
}

/** A cell that does not parse; `line` is 1-based, `column` 0-based, as acorn reports them. */
export class CellSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

// The slices of acorn's ESTree nodes this module reads. Declared here because acorn's own
// types are a union too wide to narrow conveniently with `node.type` checks.
interface Identifier extends Node {
  type: "Identifier";
  name: string;
}
interface Literal extends Node {
  type: "Literal";
  value: unknown;
}
interface VariableDeclarator extends Node {
  id: Node;
  init: Node | null;
}
interface VariableDeclaration extends Node {
  type: "VariableDeclaration";
  kind: "var" | "let" | "const" | "using" | "await using";
  declarations: VariableDeclarator[];
}
interface NamedDeclaration extends Node {
  type: "ClassDeclaration" | "FunctionDeclaration";
  id: Identifier | null;
}
interface ImportSpecifierNode extends Node {
  type: "ImportSpecifier" | "ImportDefaultSpecifier" | "ImportNamespaceSpecifier";
  local: Identifier;
  imported?: Identifier | Literal;
}
interface ImportAttributeNode extends Node {
  key: Identifier | Literal;
  value: Literal;
}
interface ImportDeclaration extends Node {
  type: "ImportDeclaration";
  specifiers: ImportSpecifierNode[];
  source: Literal;
  attributes?: ImportAttributeNode[];
}
interface ExpressionStatement extends Node {
  type: "ExpressionStatement";
  expression: Node;
}
interface Program extends Node {
  body: Node[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const FUNCTION_NODES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** Parses a cell; acorn's errors become CellSyntaxError with the cell's line and column. */
export function parseCell(source: string): Program {
  try {
    return parse(source, CELL_PARSE_OPTIONS) as unknown as Program;
  } catch (error) {
    if (error instanceof SyntaxError) {
      const loc = (error as SyntaxError & { loc?: { line: number; column: number } }).loc;
      throw new CellSyntaxError(error.message, loc?.line ?? 1, loc?.column ?? 0);
    }
    throw error;
  }
}

/** True if `await` (or `for await`, or a static import) occurs outside any nested function. */
function needsAsyncWrapper(program: Program): boolean {
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(visit);
    if (value === null || typeof value !== "object") return false;
    const node = value as Node & Record<string, unknown>;
    if (typeof node.type !== "string") return false;
    if (FUNCTION_NODES.has(node.type)) return false;
    if (node.type === "AwaitExpression" || node.type === "ImportDeclaration") return true;
    if (node.type === "ForOfStatement" && node.await === true) return true;
    if (node.type === "VariableDeclaration" && node.kind === "await using") return true;
    for (const key of Object.keys(node)) {
      if (key === "type" || key === "loc" || key === "start" || key === "end") continue;
      if (visit(node[key])) return true;
    }
    return false;
  };
  return program.body.some(visit);
}

/** The names a declaration pattern binds (`{ a, b: [c, ...d] = e }` → a, c, d). */
function boundNames(pattern: Node, into: string[]): void {
  const node = pattern as Node & Record<string, unknown>;
  switch (node.type) {
    case "Identifier":
      into.push((node as unknown as Identifier).name);
      break;
    case "ObjectPattern":
      for (const property of node.properties as (Node & { value?: Node; argument?: Node })[]) {
        if (property.type === "RestElement") boundNames(property.argument!, into);
        else boundNames(property.value!, into);
      }
      break;
    case "ArrayPattern":
      for (const element of node.elements as (Node | null)[]) if (element) boundNames(element, into);
      break;
    case "AssignmentPattern":
      boundNames(node.left as Node, into);
      break;
    case "RestElement":
      boundNames(node.argument as Node, into);
      break;
  }
}

function importedKey(specifier: ImportSpecifierNode, source: string): string {
  const imported = specifier.imported!;
  // `import { "a-b" as c }`: a string literal name stays a (quoted) property key.
  return imported.type === "Identifier" ? imported.name : source.slice(imported.start, imported.end);
}

/** `import ... from "m" with { type: "json" }` → the expression that loads the namespace. */
function importCall(declaration: ImportDeclaration, source: string): string {
  const specifier = source.slice(declaration.source.start, declaration.source.end);
  const attributes = declaration.attributes ?? [];
  if (attributes.length === 0) return `await import(${specifier})`;
  const entries = attributes.map(
    (attribute) =>
      `${source.slice(attribute.key.start, attribute.key.end)}: ${source.slice(attribute.value.start, attribute.value.end)}`,
  );
  return `await import(${specifier}, { with: { ${entries.join(", ")} } })`;
}

/** The statement that replaces a static import, and the names it assigns. */
function rewriteImport(declaration: ImportDeclaration, source: string, assigned: string[]): string {
  const load = importCall(declaration, source);
  let namespace: string | undefined;
  const properties: string[] = [];
  for (const specifier of declaration.specifiers) {
    assigned.push(specifier.local.name);
    if (specifier.type === "ImportNamespaceSpecifier") namespace = specifier.local.name;
    else if (specifier.type === "ImportDefaultSpecifier") properties.push(`default: ${specifier.local.name}`);
    else properties.push(`${importedKey(specifier, source)}: ${specifier.local.name}`);
  }
  if (namespace === undefined && properties.length === 0) return `${load};`;
  const target = namespace === undefined ? load : `${namespace} = ${load}`;
  if (properties.length === 0) return `void (${target});`;
  return `void ({ ${properties.join(", ")} } = ${target});`;
}

/**
 * `let a = 1, { b } = o;` → `void (a = 1, { b } = o);`, by small edits around the user's
 * text so that it stays where it was. A declarator without initialiser resets the name
 * to undefined, except under `var`, which (as in JavaScript) leaves the value alone.
 */
function rewriteVariables(declaration: VariableDeclaration, source: string, assigned: string[], edits: Edit[]): void {
  // The grammar gives every declaration at least one declarator.
  const first = declaration.declarations[0]!;
  edits.push({ start: declaration.start, end: first.start, text: "void (" });
  for (const declarator of declaration.declarations) {
    boundNames(declarator.id, assigned);
    if (!declarator.init && declaration.kind !== "var") {
      edits.push({ start: declarator.end, end: declarator.end, text: " = undefined" });
    }
  }
  const end = declaration.end;
  if (source[end - 1] === ";") edits.push({ start: end - 1, end, text: ");" });
  else edits.push({ start: end, end, text: ");" });
}

/** Where a source offset is: 1-based line, 0-based column. */
function lineColumnOf(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}

interface LineEdit {
  column: number;
  originalLength: number;
  textLength: number;
}

/** Applies the edits; line breaks inside a replaced range are kept so lines do not move. */
function applyEdits(source: string, edits: Edit[]): { code: string; byLine: Map<number, LineEdit[]> } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const byLine = new Map<number, LineEdit[]>();
  let code = "";
  let at = 0;
  for (const edit of sorted) {
    const removed = source.slice(edit.start, edit.end);
    const breaks = removed.split("\n").length - 1;
    code += source.slice(at, edit.start) + edit.text + "\n".repeat(breaks);
    at = edit.end;
    // Multi-line replacements (a long import) map nowhere useful; columns after them are rare.
    if (breaks === 0) {
      const { line, column } = lineColumnOf(source, edit.start);
      const list = byLine.get(line) ?? [];
      list.push({ column, originalLength: removed.length, textLength: edit.text.length });
      byLine.set(line, list);
    }
  }
  return { code: code + source.slice(at), byLine };
}

function columnMapper(byLine: Map<number, LineEdit[]>): (line: number, column: number) => number {
  return (line, column) => {
    const generated = column - 1;
    let shift = 0;
    for (const edit of byLine.get(line) ?? []) {
      const start = edit.column + shift;
      if (generated < start) break;
      // Inside text the kernel wrote: point at the start of what it replaced.
      if (generated < start + edit.textLength) return edit.column + 1;
      shift += edit.textLength - edit.originalLength;
    }
    return generated - shift + 1;
  };
}

export function transformCell(source: string): TransformedCell {
  const program = parseCell(source);
  const isAsync = needsAsyncWrapper(program);
  const edits: Edit[] = [];
  const assigned: string[] = [];
  const functionNames: string[] = [];

  for (const statement of program.body) {
    switch (statement.type) {
      case "VariableDeclaration": {
        const declaration = statement as VariableDeclaration;
        if (declaration.kind === "using" || declaration.kind === "await using") break;
        // A script-level `var` already makes a redeclarable global; only the async
        // wrapper (a function scope) needs it rewritten.
        if (declaration.kind === "var" && !isAsync) break;
        rewriteVariables(declaration, source, assigned, edits);
        break;
      }
      case "ClassDeclaration": {
        const name = (statement as NamedDeclaration).id!.name;
        assigned.push(name);
        edits.push({ start: statement.start, end: statement.start, text: `void (${name} = ` });
        edits.push({ start: statement.end, end: statement.end, text: ");" });
        break;
      }
      case "FunctionDeclaration":
        if (isAsync) functionNames.push((statement as NamedDeclaration).id!.name);
        break;
      case "ImportDeclaration":
        edits.push({
          start: statement.start,
          end: statement.end,
          text: rewriteImport(statement as ImportDeclaration, source, assigned),
        });
        break;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration": {
        const loc = statement.loc!.start;
        throw new CellSyntaxError(
          `'export' is not allowed in a cell: declare the name instead (${loc.line}:${loc.column})`,
          loc.line,
          loc.column,
        );
      }
    }
  }

  const last = program.body.at(-1);
  const hasResult = last?.type === "ExpressionStatement";
  if (isAsync && hasResult) {
    const expression = (last as ExpressionStatement).expression;
    edits.push({ start: expression.start, end: expression.start, text: "return { value: (" });
    edits.push({ start: expression.end, end: expression.end, text: ") };" });
  }
  // A hashbang line is only legal at the very start of a script, which the wrapper is not.
  if (isAsync && source.startsWith("#!")) edits.push({ start: 0, end: 2, text: "//" });

  const { code: body, byLine } = applyEdits(source, edits);
  const common = {
    assignedGlobals: assigned,
    isAsync,
    hasResult,
    lineCount: source.split("\n").length,
    mapColumn: columnMapper(byLine),
  };
  if (!isAsync) return { code: body, columnOffset: 0, ...common };

  const exports = functionNames.map((name) => `globalThis[${JSON.stringify(name)}] = ${name}; `).join("");
  const prefix = `(async () => { ${exports}`;
  // The closing brace goes on its own line so that a trailing `// comment` cannot swallow it.
  return { code: `${prefix}${body}\n})()`, columnOffset: -prefix.length, ...common };
}
