/**
 * Writes log lines to a stream in batches and never drops one.
 *
 * One `write()` per log line would cost one syscall per line, which dominates when a
 * process floods its output. Lines are collected and written as one chunk once the
 * current tick ends or the batch reaches `batchBytes`. When the stream signals
 * backpressure (`write()` returned false) lines keep accumulating in memory until
 * `'drain'`: a flood costs memory for a while, never lines.
 */
export class BatchedWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  private scheduled = false;
  private waitingForDrain = false;
  /** Chunks handed to the stream whose write callback has not fired yet. */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private failure: Error | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly batchBytes = 64 * 1024,
  ) {
    // A closed pipe (EPIPE) must not crash the supervisor; lines to it are lost anyway.
    out.on("error", (error: Error) => {
      this.failure = error;
      this.pending = [];
      this.pendingLength = 0;
      this.wakeIdleWaiters();
    });
  }

  write(text: string): void {
    if (this.failure) return;
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.waitingForDrain) return;
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

  /** Resolves once every line written so far has been handed to the OS. */
  flush(): Promise<void> {
    if (!this.waitingForDrain) this.writePending();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.failure !== undefined || (this.pending.length === 0 && this.inFlight === 0 && !this.waitingForDrain);
  }

  private writePending(): void {
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
