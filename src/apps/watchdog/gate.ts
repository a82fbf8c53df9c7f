/**
 * Throttle and debounce for one watchdog handler, as Jaffle defined them:
 * - debounce: an event is handled only once no further event came for `debounceMs`;
 *   the last event of the burst is the one handled.
 * - throttle: after an event was handled, events are ignored for `throttleMs`.
 * Both may be set: a burst settles first, and the handled event opens the quiet period.
 */

export interface GateOptions {
  throttleMs: number;
  debounceMs: number;
}

export class EventGate<T> {
  private throttledUntil = 0;
  private pending: T | undefined;
  /** Events folded into the pending one by debouncing (for the log line). */
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: GateOptions,
    /** Receives the event to handle and how many raw events it stands for. */
    private readonly deliver: (event: T, burst: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(event: T): void {
    if (this.closed) return;
    if (this.options.throttleMs > 0 && this.now() < this.throttledUntil) return;
    if (this.options.debounceMs <= 0) {
      this.fire(event, 1);
      return;
    }
    this.pending = event;
    this.pendingCount++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const next = this.pending!;
      const burst = this.pendingCount;
      this.pending = undefined;
      this.pendingCount = 0;
      this.fire(next, burst);
    }, this.options.debounceMs);
  }

  private fire(event: T, burst: number): void {
    if (this.options.throttleMs > 0) this.throttledUntil = this.now() + this.options.throttleMs;
    this.deliver(event, burst);
  }

  /** Drops a pending debounced event and ignores everything afterwards. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
