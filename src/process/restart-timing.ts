/**
 * The one home of restart timing, for processes and kernels alike:
 * - DelaySchedule: how long to wait before the next start (doubling up to a cap);
 * - RestartBackoff: a process block's policy, at most `maxRestarts` restarts in a row,
 *   where a run that stayed up for the window proves it healthy (count and delay start over);
 * - RestartBudget: a kernel's policy, at most `limit` restarts within a sliding window.
 * A thing that crashes in a loop (bad code run at start, a missing module) would
 * otherwise be restarted forever and drown the log.
 */

/** Exponential delays: `first`, doubling each time, never above `max`, until reset. */
export class DelaySchedule {
  private current: number;

  constructor(
    readonly firstMs: number,
    readonly maxMs: number,
  ) {
    this.current = firstMs;
  }

  /** The delay to wait now; the one after it is twice as long (up to the cap). */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.maxMs, delay * 2);
    return delay;
  }

  reset(): void {
    this.current = this.firstMs;
  }
}

/** A process's restart delays: 100 ms doubling to 10 s. */
export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 10_000;

export type RestartDecision = { restart: true; delayMs: number; attempt: number } | { restart: false };

export class RestartBackoff {
  /** Restarts since the last run that stayed up for the window. */
  private consecutive = 0;
  constructor(
    private readonly maxRestarts: number,
    private readonly windowMs: number,
    private readonly delays = new DelaySchedule(FIRST_DELAY_MS, MAX_DELAY_MS),
  ) {}

  /** Called when a run ended that is to be restarted; `uptimeMs` is how long it ran. */
  next(uptimeMs: number): RestartDecision {
    if (uptimeMs >= this.windowMs) {
      this.consecutive = 0;
      this.delays.reset();
    }
    if (this.consecutive >= this.maxRestarts) return { restart: false };
    const delayMs = this.delays.next();
    this.consecutive++;
    return { restart: true, delayMs, attempt: this.consecutive };
  }
}

export class RestartBudget {
  readonly #times: number[] = [];
  /** Restarts granted so far (for the status file). */
  total = 0;

  constructor(
    readonly limit = 5,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims one restart; false when the budget for the current window is spent. */
  take(): boolean {
    const now = this.now();
    for (let oldest = this.#times[0]; oldest !== undefined && now - oldest > this.windowMs; oldest = this.#times[0])
      this.#times.shift();
    if (this.#times.length >= this.limit) return false;
    this.#times.push(now);
    this.total += 1;
    return true;
  }
}
