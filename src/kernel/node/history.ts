/**
 * The cells executed in this kernel session with `store_history`, answering
 * `history_request` the way IPython's history manager does for the current session
 * (`tail`, `range` and `search` access; there is no history across sessions).
 */
import type { HistoryEntry, HistoryRequestContent } from "../messages.js";

/** The session number IPython would report; 0 in a `range` request means "the current one". */
const CURRENT_SESSION = 1;

/** `*` any run of characters, `?` one character, as IPython's glob search. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

export class CellHistory {
  /** Index i holds the cell with execution count i + 1. */
  private readonly inputs: string[] = [];
  private readonly outputs = new Map<number, string>();

  record(executionCount: number, input: string): void {
    this.inputs[executionCount - 1] = input;
  }

  /** The text/plain result of a cell, for requests with `output: true`. */
  recordOutput(executionCount: number, text: string): void {
    this.outputs.set(executionCount, text);
  }

  query(request: HistoryRequestContent): HistoryEntry[] {
    let lines: number[] = [];
    const all = this.inputs.map((_, i) => i + 1).filter((line) => this.inputs[line - 1] !== undefined);
    switch (request.hist_access_type) {
      case "tail":
        lines = all.slice(-Math.max(0, request.n ?? 10));
        break;
      case "range": {
        if (request.session !== 0 && request.session !== CURRENT_SESSION) return [];
        const start = request.start ?? 1;
        const stop = request.stop ?? all.length + 1;
        lines = all.filter((line) => line >= start && line < stop);
        break;
      }
      case "search": {
        const pattern = globToRegExp(request.pattern ?? "*");
        lines = all.filter((line) => pattern.test(this.inputs[line - 1]!));
        if (request.unique) {
          const seen = new Set<string>();
          lines = lines
            .reverse()
            .filter((line) => !seen.has(this.inputs[line - 1]!) && seen.add(this.inputs[line - 1]!))
            .reverse();
        }
        if (request.n) lines = lines.slice(-request.n);
        break;
      }
    }
    return lines.map((line): HistoryEntry => {
      const input = this.inputs[line - 1]!;
      return request.output
        ? [CURRENT_SESSION, line, [input, this.outputs.get(line) ?? ""]]
        : [CURRENT_SESSION, line, input];
    });
  }
}
