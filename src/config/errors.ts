/**
 * Configuration errors. Every problem found while loading a configuration carries the
 * place it came from, so the user can jump to it: `file:line:col: message`. Loading
 * collects all problems of a file (and of every stage) before failing, so one run shows
 * everything that needs fixing.
 */
import { JaffleError } from "../errors.js";

/** A place in a configuration file. Line and column are 1-based; 0 means "not in a file". */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface ConfigIssue extends SourcePosition {
  message: string;
}

/**
 * A message on one line: a line break inside it (a quoted string that spans lines, a
 * parser's multi-line detail) is written as `\\n`, so each problem is one line of output
 * and its `file:line:col` stays the first thing on that line.
 */
export function oneLine(message: string): string {
  return message.replace(/\r\n|\r|\n/g, "\\n");
}

/** `file:line:col: message`, or `source: message` for sources without lines (--var, J_VAR_x). */
export function formatIssue(issue: ConfigIssue): string {
  return issue.line > 0
    ? `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`
    : `${issue.file}: ${issue.message}`;
}

export class ConfigError extends JaffleError {
  readonly errors: ConfigIssue[];

  constructor(errors: ConfigIssue[]) {
    const lines = errors.map((issue) => ({ ...issue, message: oneLine(issue.message) }));
    super(lines.map(formatIssue).join("\n"), { userFault: true });
    this.errors = lines;
  }
}

/** Collects issues across the stages of loading; `throwIfAny()` ends a stage that found some. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  /** `fileOrder`: the configuration files in the order given, so their problems come in that order. */
  constructor(private readonly fileOrder: string[] = []) {}

  add(at: SourcePosition, message: string): void {
    this.issues.push({ file: at.file, line: at.line, column: at.column, message: oneLine(message) });
  }

  get size(): number {
    return this.issues.length;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError(sortIssues(this.issues, this.fileOrder));
  }
}

/** Issues by file (in the order given), then line and column; sources without lines keep their order. */
function sortIssues(issues: ConfigIssue[], files: string[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>(files.map((file, index) => [file, index]));
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return [...issues].sort(
    (a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.column - b.column,
  );
}
