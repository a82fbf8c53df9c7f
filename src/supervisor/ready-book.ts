/**
 * Whether each app and process of the run is ready yet: what `depends_on` waits on and
 * what `jaffle restart` reports. An entry is pending until the block's start settles,
 * then ready or failed with a one-line reason; a restart makes it pending again.
 */
import { JaffleError } from "../errors.js";

export type Readiness = { state: "pending" } | { state: "ready" } | { state: "failed"; reason: string };

interface Entry {
  readiness: Readiness;
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

/** Why a block did not become ready: the reason is one line, for the log and the CLI. */
export class NotStartedError extends JaffleError {
  constructor(
    readonly block: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export class ReadyBook {
  readonly #entries = new Map<string, Entry>();

  #entry(name: string): Entry {
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = { readiness: { state: "pending" }, waiters: [] };
      this.#entries.set(name, entry);
    }
    return entry;
  }

  get(name: string): Readiness {
    return this.#entries.get(name)?.readiness ?? { state: "pending" };
  }

  /** Back to pending (a restart began); waiters from before keep waiting for the new outcome. */
  reset(name: string): void {
    this.#entry(name).readiness = { state: "pending" };
  }

  ready(name: string): void {
    this.#settle(name, { state: "ready" });
  }

  fail(name: string, reason: string): void {
    this.#settle(name, { state: "failed", reason });
  }

  /** Forgets a block that left the run (a reload removed it); its waiters fail. */
  remove(name: string): void {
    this.fail(name, `${name} was removed from the configuration`);
    this.#entries.delete(name);
  }

  /** Resolves once `name` is ready; rejects with a NotStartedError once it failed. */
  whenReady(name: string): Promise<void> {
    const entry = this.#entry(name);
    const { readiness } = entry;
    if (readiness.state === "ready") return Promise.resolve();
    if (readiness.state === "failed") return Promise.reject(new NotStartedError(name, readiness.reason));
    return new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
  }

  #settle(name: string, readiness: Exclude<Readiness, { state: "pending" }>): void {
    const entry = this.#entry(name);
    entry.readiness = readiness;
    for (const waiter of entry.waiters.splice(0)) {
      if (readiness.state === "ready") waiter.resolve();
      else waiter.reject(new NotStartedError(name, readiness.reason));
    }
  }
}
