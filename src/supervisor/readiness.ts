/**
 * Readiness checks (`ready { url, port, log_regex, timeout }` in an app or process block):
 * each given field must pass. URL and port checks poll with a growing interval; a log
 * check is fed every line of its source from the moment the source is created, so a
 * line printed before anyone asked still counts.
 */
import { compileRegex } from "../expression/replace.js";
import type { ReadinessCheck } from "../config/types.js";
import { JaffleError } from "../errors.js";
import { probePort, probeUrl } from "../net/probes.js";

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;
/** Remembers whether any line of one source matched a regular expression. */
export class LogLineWatch {
  readonly regex: RegExp;
  #matched = false;
  #waiters: (() => void)[] = [];

  /** `source` is a Python-style pattern, like every other regex of the config. */
  constructor(source: string) {
    this.regex = compileRegex(source);
  }

  get matched(): boolean {
    return this.#matched;
  }

  /** Called with every message of the watched source. */
  feed(message: string): void {
    if (this.#matched || !this.regex.test(message)) return;
    this.#matched = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once a line matched. */
  whenMatched(): Promise<void> {
    if (this.#matched) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export class NotReadyError extends JaffleError {
  constructor(readonly what: string) {
    super(what, { userFault: true });
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

async function pollUntil(probe: () => Promise<boolean>, failure: string, signal: AbortSignal): Promise<void> {
  let interval = FIRST_POLL_MS;
  for (;;) {
    if (signal.aborted) throw new NotReadyError(failure);
    if (await probe()) return;
    await delay(interval, signal);
    interval = Math.min(MAX_POLL_MS, interval * 2);
  }
}

/**
 * Waits until every field of `check` passes, or rejects with a NotReadyError naming the
 * field that did not pass within `timeoutMs` (or before `signal` aborted).
 */
export async function waitForCheck(
  check: ReadinessCheck,
  logWatch: LogLineWatch | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  // A plain timer, not AbortSignal.timeout(): that one does not keep the event loop
  // alive, and a check's deadline must fire even when nothing else is pending.
  const expiry = new AbortController();
  const timer = setTimeout(() => expiry.abort(), timeoutMs);
  const deadline = AbortSignal.any([signal, expiry.signal]);
  const waits: Promise<void>[] = [];
  if (check.url !== undefined) {
    const { url, status } = check;
    const expected = status ? `status ${status.join(", ")}` : "2xx or 3xx";
    waits.push(pollUntil(() => probeUrl(url, status), `${url} did not answer with ${expected}`, deadline));
  }
  if (check.port !== undefined) {
    const port = check.port;
    waits.push(pollUntil(() => probePort(port), `nothing accepted connections on 127.0.0.1:${port}`, deadline));
  }
  if (logWatch) {
    waits.push(
      new Promise<void>((resolve, reject) => {
        const fail = () => reject(new NotReadyError(`no log line matched /${logWatch.regex.source}/`));
        if (deadline.aborted) return fail();
        deadline.addEventListener("abort", fail, { once: true });
        void logWatch.whenMatched().then(() => {
          deadline.removeEventListener("abort", fail);
          resolve();
        });
      }),
    );
  }
  try {
    await Promise.all(waits);
  } finally {
    clearTimeout(timer);
    expiry.abort(); // ends the other polls when one of them failed
  }
}
