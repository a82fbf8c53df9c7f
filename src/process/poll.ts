/**
 * The one polling loop: for facts the kernel announces to nobody (a process group
 * emptied, a pid gone), asking again at an interval is the only way to learn of them.
 */

export interface PollOptions {
  /** Give up after this long (resolves false). Default: never. */
  timeoutMs?: number;
  /** First wait between two questions; default 20 ms. */
  intervalMs?: number;
  /** Each wait doubles up to this; default: the interval (no growth). */
  maxIntervalMs?: number;
  /** Stops the polling early (resolves false). */
  signal?: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Resolves true once `done()` holds, false when the timeout passed or `signal` aborted first. */
export async function pollUntil(done: () => boolean | Promise<boolean>, options: PollOptions = {}): Promise<boolean> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let interval = options.intervalMs ?? 20;
  const maxInterval = Math.max(interval, options.maxIntervalMs ?? interval);
  for (;;) {
    if (options.signal?.aborted) return false;
    if (await done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(maxInterval, interval * 2);
  }
}
