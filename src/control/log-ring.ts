/**
 * The recent lines of the run, for `jaffle logs`: a bounded ring of log records (the
 * oldest is dropped when it is full) that also hands every new record to followers.
 *
 * A query takes its snapshot and starts following in one synchronous step, and records
 * only arrive through `push`, on the same thread: a follower gets exactly the records
 * after its snapshot, none twice and none missed.
 */
import type { LogRecord } from "../log/hub.js";
import type { LogsQuery } from "./protocol.js";

export const DEFAULT_RING_LINES = 10_000;

/** True when the record belongs to one of `names` (its block label or shown name). */
export function matchesSources(record: LogRecord, names: readonly string[]): boolean {
  return names.length === 0 || names.includes(record.source) || names.includes(record.name);
}

export class LogRing {
  readonly #records: (LogRecord | undefined)[];
  /** Where the next record goes; the ring holds min(count, capacity) records. */
  #next = 0;
  #count = 0;
  readonly #followers = new Set<(record: LogRecord) => void>();

  constructor(readonly capacity: number = DEFAULT_RING_LINES) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`a log ring holds at least 1 line, not ${capacity}`);
    this.#records = new Array<LogRecord | undefined>(capacity);
  }

  push(record: LogRecord): void {
    this.#records[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.#count + 1, this.capacity);
    for (const follower of this.#followers) follower(record);
  }

  /** The records held, oldest first. */
  records(): LogRecord[] {
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    const out: LogRecord[] = [];
    for (let i = 0; i < this.#count; i++) {
      // The `count` slots from `start` on have all been written.
      const record = this.#records[(start + i) % this.capacity];
      if (record) out.push(record);
    }
    return out;
  }

  /**
   * The records of the ring that the query asks for, and, with `follow`, every later
   * matching record to `onRecord` until the returned function is called.
   */
  query(query: LogsQuery, onRecord: (record: LogRecord) => void): { backlog: LogRecord[]; unfollow: () => void } {
    const wanted = (record: LogRecord) =>
      matchesSources(record, query.names) && (query.since === undefined || record.time >= query.since);
    let backlog = this.records().filter(wanted);
    if (query.lines !== undefined) backlog = query.lines === 0 ? [] : backlog.slice(-query.lines);
    if (!query.follow) return { backlog, unfollow: () => undefined };
    const follower = (record: LogRecord) => {
      if (wanted(record)) onRecord(record);
    };
    this.#followers.add(follower);
    return { backlog, unfollow: () => this.#followers.delete(follower) };
  }
}
