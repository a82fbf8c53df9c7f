/**
 * The size of V8's young generation in the `jaffle start` process. V8 doubles the young
 * generation's semi-spaces whenever they fill with survivors, up to 16 MiB, and keeps
 * them; start-up (loading modules, which all survive) grows it, and an idle supervisor
 * hardly collects again. A
 * supervisor's steady work (log lines, Jupyter messages, status writes) is a trickle of
 * small short-lived objects that a young generation at its initial size holds as well:
 * kept there, the resident memory after ready is 1 to 1.5 MiB lower (60.1 → 59.1 MiB with
 * one kernel and one process, beside 39.4 for a bare Node process).
 *
 * Under allocation pressure (a process flooding its output, a large configuration
 * loading) a small young generation costs much more: 1,000,000 log lines went through at
 * 0.6 to 0.74 M lines/s instead of 1.05 M, and 24,000 blocks loaded in 3.3 to 3.6 s
 * instead of 2.5. So the young generation may grow as V8 would while minor collections
 * come in a burst, and is held again after a quiet second. What a burst grew stays (a
 * trickle afterwards does not make V8 shrink it: measured, 16 MiB after a burst and 3 s of
 * trickle), so after a flood the supervisor holds what it held before this policy.
 *
 * Only the `start` command opts in: a program that embeds startJaffle keeps V8's defaults.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";

/** V8's own default (`node --v8-options`): each growth doubles the semi-spaces. */
const DEFAULT_GROWTH_FACTOR = 2;
/** A burst: this many minor collections within PRESSURE_WINDOW_MS (start-up makes about 11 in all). */
const PRESSURE_SCAVENGES = 16;
const PRESSURE_WINDOW_MS = 250;
/** Growth stays allowed until minor collections have been this long below a burst. */
const QUIET_MS = 1_000;

/** Calls `onMinorCollection` with the start time of each minor collection; returns the stop. */
export type MinorCollections = (onMinorCollection: (at: number) => void) => () => void;

/** Node's "gc" performance entries (a PerformanceObserver), minor collections only. */
const observeMinorCollections: MinorCollections = (onMinorCollection) => {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (isMinorCollection(entry)) onMinorCollection(entry.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => observer.disconnect();
};

function isMinorCollection(entry: PerformanceEntry): boolean {
  // A "gc" entry's detail names its kind (Node's types leave `detail` out of PerformanceEntry).
  return (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR;
}

/** The growth policy; the process has one (below), a test drives its own with fakes. */
export class YoungGeneration {
  private windowStart = -Infinity;
  private scavengesInWindow = 0;
  private growing = false;
  private quietTimer: NodeJS.Timeout | undefined;
  private stopObserving: (() => void) | undefined;

  constructor(
    private readonly setFlags: (flags: string) => void = setFlagsFromString,
    private readonly minorCollections: MinorCollections = observeMinorCollections,
  ) {}

  private setGrowthFactor(factor: number): void {
    this.setFlags(`--semi-space-growth-factor=${factor}`);
  }

  /** From now on the young generation stays at its size except under pressure. */
  keepSmall(): void {
    if (this.stopObserving) return;
    this.setGrowthFactor(1);
    this.stopObserving = this.minorCollections((at) => this.scavenged(at));
  }

  private scavenged(at: number): void {
    if (at - this.windowStart > PRESSURE_WINDOW_MS) {
      this.windowStart = at;
      this.scavengesInWindow = 0;
    }
    if (++this.scavengesInWindow < PRESSURE_SCAVENGES) return;
    if (!this.growing) {
      this.growing = true;
      this.setGrowthFactor(DEFAULT_GROWTH_FACTOR);
    }
    if (this.quietTimer) this.quietTimer.refresh();
    else this.quietTimer = setTimeout(() => this.quiet(), QUIET_MS).unref();
  }

  private quiet(): void {
    this.quietTimer = undefined;
    this.growing = false;
    this.setGrowthFactor(1);
  }

  /** Back to V8's defaults (for tests; the process's policy lasts as long as the process). */
  dispose(): void {
    this.stopObserving?.();
    this.stopObserving = undefined;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.growing = false;
    this.setGrowthFactor(DEFAULT_GROWTH_FACTOR);
  }
}

/** This process's policy: one observer, however often it is asked for. */
const processYoungGeneration = new YoungGeneration();

/** From now on this process's young generation stays small except under pressure (the `start` command). */
export function keepYoungGenerationSmall(): void {
  processYoungGeneration.keepSmall();
}
