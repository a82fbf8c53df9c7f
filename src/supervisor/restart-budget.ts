/**
 * How often something may be restarted: at most `limit` restarts within a sliding window
 * of `windowMs`. A kernel that crashes in a loop (bad code run at start, a missing
 * module) would otherwise be restarted forever and drown the log.
 */
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
    while (this.#times.length > 0 && now - this.#times[0]! > this.windowMs) this.#times.shift();
    if (this.#times.length >= this.limit) return false;
    this.#times.push(now);
    this.total += 1;
    return true;
  }
}
