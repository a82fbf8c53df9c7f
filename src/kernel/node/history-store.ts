/**
 * The cells executed with `store_history`, in this kernel session and the ones before
 * it, answering `history_request` as IPython's history manager does (`tail`, `range`,
 * `search` with a glob and `unique`; session numbers count from 1 in start order; in a
 * `range`, session 0 is the current one and -1 the one before).
 *
 * Kept in a JSON-lines file beside the kernel's runtime files (historyFileFor()), mode
 * 0600 since cells may hold secrets. Each line is appended whole
 * with O_APPEND, so kernels sharing the file never interleave within a line; a session is
 * numbered by the position of its start line, which is the same for every reader. The
 * current session is also kept in memory, so history works when the file cannot be
 * written (that is said once on the kernel's log).
 */
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import process from "node:process";
import { jupyterRuntimeDir } from "../kernelspec.js";
import type { HistoryEntry, HistoryRequestContent } from "../messages.js";
import { NODE_KERNEL_HISTORY_FILE } from "../../runtime/connection-files.js";

export const HISTORY_FILE_NAME = NODE_KERNEL_HISTORY_FILE;

/** Owned by this user and writable by no one else: a place for a file of secrets. */
function isPrivateDirectory(dir: string): boolean {
  try {
    const stat = statSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Beside the connection file when that is in a private directory (jaffle's runtime
 * directory, Jupyter's); jupyter_client may put connection files in /tmp, which every
 * user shares, and then the file goes to Jupyter's runtime directory (created 0700).
 */
export function historyFileFor(connectionFile: string): string {
  const beside = dirname(connectionFile);
  if (isPrivateDirectory(beside)) return join(beside, HISTORY_FILE_NAME);
  const runtime = jupyterRuntimeDir();
  try {
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
  } catch {
    // Not writable: HistoryStore says so once and keeps this session in memory.
  }
  return join(runtime, HISTORY_FILE_NAME);
}

type HistoryRecord =
  | { session: string; started: string }
  | { session: string; line: number; input: string }
  | { session: string; line: number; output: string };

interface Cell {
  session: number;
  line: number;
  input: string;
  output?: string;
}

/** `*` any run of characters, `?` one character, as IPython's glob search. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

export class HistoryStore {
  private readonly session = randomUUID();
  /** This session's cells by line (execution count). */
  private readonly own = new Map<number, Cell>();
  private writable: boolean;

  constructor(
    /** undefined: this session only, in memory. */
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.writable = file !== undefined;
    this.append({ session: this.session, started: new Date().toISOString() });
  }

  record(line: number, input: string): void {
    this.own.set(line, { session: 0, line, input });
    this.append({ session: this.session, line, input });
  }

  /** The text/plain result of a cell, for requests with `output: true`. */
  recordOutput(line: number, output: string): void {
    const cell = this.own.get(line);
    if (cell) cell.output = output;
    this.append({ session: this.session, line, output });
  }

  query(request: HistoryRequestContent): HistoryEntry[] {
    const { cells, current } = this.load();
    let selected: Cell[] = [];
    switch (request.hist_access_type) {
      case "tail":
        selected = cells.slice(-Math.max(0, request.n ?? 10));
        break;
      case "range": {
        const session = request.session > 0 ? request.session : current + request.session;
        const start = request.start ?? 1;
        const stop = request.stop ?? Number.POSITIVE_INFINITY;
        selected = cells.filter((cell) => cell.session === session && cell.line >= start && cell.line < stop);
        break;
      }
      case "search": {
        const pattern = globToRegExp(request.pattern ?? "*");
        selected = cells.filter((cell) => pattern.test(cell.input));
        if (request.unique) {
          // The latest occurrence of each input stands for it, as in IPython.
          const seen = new Set<string>();
          selected = selected
            .reverse()
            .filter((cell) => !seen.has(cell.input) && seen.add(cell.input))
            .reverse();
        }
        if (request.n) selected = selected.slice(-request.n);
        break;
      }
    }
    return selected.map((cell): HistoryEntry =>
      request.output
        ? [cell.session, cell.line, [cell.input, cell.output ?? ""]]
        : [cell.session, cell.line, cell.input],
    );
  }

  /** Every cell of every session in order, and the current session's number. */
  private load(): { cells: Cell[]; current: number } {
    const numbers = new Map<string, number>();
    const cells = new Map<string, Cell>();
    for (const record of this.readRecords()) {
      if ("started" in record) {
        if (!numbers.has(record.session)) numbers.set(record.session, numbers.size + 1);
        continue;
      }
      const session = numbers.get(record.session);
      if (session === undefined || record.session === this.session) continue;
      const key = `${session}:${record.line}`;
      if ("input" in record) cells.set(key, { session, line: record.line, input: record.input });
      else {
        const cell = cells.get(key);
        if (cell) cell.output = record.output;
      }
    }
    // Without the file (or without our start line in it), this session comes last.
    const current = numbers.get(this.session) ?? numbers.size + 1;
    const all = [...cells.values()];
    for (const cell of this.own.values()) all.push({ ...cell, session: current });
    all.sort((a, b) => a.session - b.session || a.line - b.line);
    return { cells: all, current };
  }

  private readRecords(): HistoryRecord[] {
    if (this.file === undefined) return [];
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return [];
    }
    const records: HistoryRecord[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const record = JSON.parse(line) as HistoryRecord;
        if (typeof record?.session === "string") records.push(record);
      } catch {
        // A line cut short by a crash: the others still count.
      }
    }
    return records;
  }

  private append(record: HistoryRecord): void {
    if (!this.writable || this.file === undefined) return;
    try {
      appendFileSync(this.file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    } catch (error) {
      this.writable = false;
      this.log(`history is kept for this session only: cannot write ${this.file}: ${(error as Error).message}`);
    }
  }
}
