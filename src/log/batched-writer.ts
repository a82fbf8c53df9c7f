/**
 * Writes log lines to a stream in batches, with a bounded backlog.
 *
 * One `write()` per log line would cost one syscall per line, which dominates when a
 * process floods its output. Lines are collected and written as one chunk once the
 * current tick ends or the batch reaches `batchBytes`. When the stream signals
 * backpressure (`write()` returned false) lines accumulate until `'drain'`, but only up
 * to `backlogBytes` (what waits here plus what the stream itself still holds): past it,
 * lines are dropped and counted until the stream drains, and then the backlog is written
 * followed by one `droppedLine(count)` in the place of the gap. So a reader that cannot
 * keep up (a slow terminal, a pipe read slowly) costs a bounded amount of memory and a
 * counted gap, never silence. The sources are not slowed: a supervisor that stopped
 * reading its processes' output would stall the processes themselves, and its kernels'
 * messages with them.
 */

/** The default bound of the backlog: 8 MiB of text. */
export const DEFAULT_BACKLOG_BYTES = 8 * 1024 * 1024;

export interface BatchedWriterOptions {
  /** Pending text is written once it reaches this many characters (default 64 KiB). */
  batchBytes?: number;
  /** The most text held while the stream does not drain (default DEFAULT_BACKLOG_BYTES). */
  backlogBytes?: number;
  /** The line written where `count` lines were dropped (default: a plain text line). */
  droppedLine?: (count: number) => string;
}

/** Many small strings cost far more than their characters: they are joined past this many. */
const COMPACT_EVERY = 4096;

export class BatchedWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  private scheduled = false;
  private waitingForDrain = false;
  /** Lines dropped since the backlog filled; written as one line at the next drain. */
  private dropped = 0;
  /** Chunks handed to the stream whose write callback has not fired yet. */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private failure: Error | undefined;
  private readonly batchBytes: number;
  private backlogBytes: number;
  private readonly droppedLine: (count: number) => string;

  constructor(
    private readonly out: NodeJS.WritableStream,
    options: BatchedWriterOptions = {},
  ) {
    this.batchBytes = options.batchBytes ?? 64 * 1024;
    this.backlogBytes = options.backlogBytes ?? DEFAULT_BACKLOG_BYTES;
    this.droppedLine = options.droppedLine ?? ((count) => `${count} lines dropped\n`);
    // A closed pipe (EPIPE) must not crash the supervisor; lines to it are lost anyway.
    out.on("error", (error: Error) => {
      this.failure = error;
      this.pending = [];
      this.pendingLength = 0;
      this.wakeIdleWaiters();
    });
  }

  /** A new bound for the backlog (a reload changed the root logger block). */
  setBacklogBytes(bytes: number): void {
    this.backlogBytes = bytes;
  }

  write(text: string): void {
    if (this.failure) return;
    if (this.waitingForDrain && (this.dropped > 0 || this.backlog() + text.length > this.backlogBytes)) {
      // Once dropping, keep dropping until the drain, so the count marks one gap.
      this.dropped++;
      return;
    }
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.waitingForDrain) {
      if (this.pending.length >= COMPACT_EVERY) this.pending = [this.pending.join("")];
      return;
    }
    if (this.pendingLength >= this.batchBytes) {
      this.writePending();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (!this.waitingForDrain) this.writePending();
      });
    }
  }

  /** Resolves once every line written so far has been handed to the OS (or counted as dropped). */
  flush(): Promise<void> {
    if (!this.waitingForDrain) this.writePending();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Text held here and in the stream's own buffer. */
  private backlog(): number {
    return this.pendingLength + ((this.out as { writableLength?: number }).writableLength ?? 0);
  }

  private isIdle(): boolean {
    return this.failure !== undefined || (this.pending.length === 0 && this.inFlight === 0 && !this.waitingForDrain);
  }

  private writePending(): void {
    if (this.dropped > 0) {
      this.pending.push(this.droppedLine(this.dropped));
      this.dropped = 0;
    }
    if (this.pending.length === 0 || this.failure) return;
    const chunk = this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    this.inFlight++;
    const accepted = this.out.write(chunk, () => {
      this.inFlight--;
      if (this.isIdle()) this.wakeIdleWaiters();
    });
    if (!accepted) {
      this.waitingForDrain = true;
      this.out.once("drain", () => {
        this.waitingForDrain = false;
        this.writePending();
        if (this.isIdle()) this.wakeIdleWaiters();
      });
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
