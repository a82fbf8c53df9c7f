/**
 * How an exception from a cell is reported: `ename`, `evalue` and a traceback of the
 * stack lines a user can act on. The frames of the kernel's own machinery (the executor,
 * `vm`, the loops below it) are cut, as ipykernel hides its own frames.
 */
import { fileURLToPath } from "node:url";
import { dirname, isAbsolute, relative } from "node:path";
import { readFileSync } from "node:fs";
import { importedModules, locateSyntaxError } from "./syntax-location.js";
import { plainText } from "./rich-output.js";
import type { CellSyntaxError } from "./cell-transform.js";

export interface ErrorReport {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** This directory: frames from files in it belong to the kernel, not to the user. */
const kernelDirectory = dirname(fileURLToPath(import.meta.url));

/** A stack frame of the kernel's machinery: everything from the first one down is cut. */
function isKernelFrame(line: string): boolean {
  return (
    line.includes(kernelDirectory) ||
    line.includes("(node:vm:") ||
    line.includes("(node:internal/vm") ||
    line.includes("at node:vm:") ||
    line.includes("(node:async_hooks:")
  );
}

const FRAME = /^\s+at /;

/** The cell an error came from, to put its frames back in the cell's own coordinates. */
export interface CellSource {
  filename: string;
  lineCount: number;
  mapColumn(line: number, column: number): number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The stack of an Error with the kernel's frames removed and the cell's positions mapped
 * back through the cell transform (frames past the cell's last line are the wrapper's).
 */
function userStack(error: Error, cell: CellSource | undefined): string[] {
  const lines = (typeof error.stack === "string" ? error.stack : `${error.name}: ${error.message}`).split("\n");
  const position = cell && new RegExp(`${escapeRegExp(cell.filename)}:(\\d+):(\\d+)`);
  const kept: string[] = [];
  for (const line of lines) {
    if (!FRAME.test(line)) {
      kept.push(line);
      continue;
    }
    if (isKernelFrame(line)) break;
    const at = position?.exec(line);
    if (at && cell) {
      const lineNumber = Number(at[1]);
      if (lineNumber > cell.lineCount) continue;
      const column = cell.mapColumn(lineNumber, Number(at[2]));
      kept.push(line.replace(at[0], `${cell.filename}:${lineNumber}:${column}`));
      continue;
    }
    kept.push(line);
  }
  return kept;
}

export function reportError(error: unknown, cell?: CellSource): ErrorReport {
  if (error instanceof Error) {
    return { ename: error.name, evalue: error.message, traceback: userStack(error, cell) };
  }
  // `throw "text"` and friends: there is no stack to show, only the value.
  const shown = plainText(error);
  return { ename: "Uncaught", evalue: shown, traceback: [`Uncaught ${shown}`] };
}

/** A cell that did not parse: the offending line with a caret under the column, like Node. */
export function reportSyntaxError(error: CellSyntaxError, source: string, filename: string): ErrorReport {
  const line = source.split("\n")[error.line - 1] ?? "";
  return {
    ename: "SyntaxError",
    evalue: error.message,
    traceback: [`${filename}:${error.line}`, line, `${" ".repeat(error.column)}^`, "", `SyntaxError: ${error.message}`],
  };
}

/**
 * A cell whose `import` failed on a module that does not parse: Node 20 names neither
 * the module nor the line, so the report gets them (`src/x.mjs:4:13`), with the line
 * and a caret as Node prints them, searched from the modules the cell imports.
 */
export function withModuleLocation(report: ErrorReport, error: unknown, cellSource: string, cwd: string): ErrorReport {
  if (report.ename !== "SyntaxError" || !(error instanceof Error) || typeof error.stack !== "string") return report;
  const found = locateSyntaxError(error.stack, importedModules(cellSource, cwd));
  if (!found) return report;
  const shown = relative(cwd, found.file);
  const where = `${shown.startsWith("..") || isAbsolute(shown) ? found.file : shown}:${found.line}:${found.column}`;
  let line = "";
  try {
    line = readFileSync(found.file, "utf8").split("\n")[found.line - 1] ?? "";
  } catch {
    // Gone since: the location alone still says where.
  }
  return {
    ename: "SyntaxError",
    evalue: `${found.message} (${where})`,
    traceback: [where, line, `${" ".repeat(found.column - 1)}^`, "", `SyntaxError: ${found.message} (${where})`],
  };
}
