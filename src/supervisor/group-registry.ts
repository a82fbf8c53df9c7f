/**
 * Every process group the supervisor started, as a ProcessGroupTracker in front of the
 * Reaper. The Reaper covers the supervisor's own death; this registry covers the other
 * emergency: a second SIGTERM during shutdown, which kills every group at once instead
 * of waiting for the polite shutdown to finish.
 */
import { signalGroup } from "../process/groups.js";
import type { ProcessGroupTracker } from "../process/tracker.js";

export class GroupRegistry implements ProcessGroupTracker {
  readonly #groups = new Map<number, string>();

  constructor(private readonly next: ProcessGroupTracker) {}

  get childEnv(): Readonly<Record<string, string>> | undefined {
    return this.next.childEnv;
  }

  track(pgid: number, label: string): void {
    this.#groups.set(pgid, label);
    this.next.track(pgid, label);
  }

  untrack(pgid: number): void {
    this.#groups.delete(pgid);
    this.next.untrack(pgid);
  }

  /** The groups tracked now: pgid → label. */
  get groups(): ReadonlyMap<number, string> {
    return this.#groups;
  }

  /** Sends `signal` to every tracked group; returns the labels signalled. */
  signalAll(signal: NodeJS.Signals): string[] {
    const signalled: string[] = [];
    for (const [pgid, label] of this.#groups) {
      if (signalGroup(pgid, signal)) signalled.push(label);
    }
    return signalled;
  }
}
