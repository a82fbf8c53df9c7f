/**
 * When and whether a crashed process is started again: exponential backoff (100 ms
 * doubling to 10 s) and at most `maxRestarts` restarts in a row. A run that stayed up
 * for `windowMs` proves the process healthy again: the count and the delay start over.
 */
export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 10_000;

export type RestartDecision = { restart: true; delayMs: number; attempt: number } | { restart: false };

export class RestartBackoff {
  /** Restarts since the last run that stayed up for the window. */
  private consecutive = 0;

  constructor(
    private readonly maxRestarts: number,
    private readonly windowMs: number,
  ) {}

  /** Called when a run ended that is to be restarted; `uptimeMs` is how long it ran. */
  next(uptimeMs: number): RestartDecision {
    if (uptimeMs >= this.windowMs) this.consecutive = 0;
    if (this.consecutive >= this.maxRestarts) return { restart: false };
    const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.consecutive);
    this.consecutive++;
    return { restart: true, delayMs, attempt: this.consecutive };
  }
}
