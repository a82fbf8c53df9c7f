/**
 * Whoever starts a child process group (a kernel, a process, a job) reports it here, so
 * that one place can end them all: at shutdown, and through the reaper when the
 * supervisor itself is killed with SIGKILL. Every child is started as the leader of its
 * own group (detached), so its pid is its process group id.
 */
export interface ProcessGroupTracker {
  /** A new group leader was spawned. */
  track(pgid: number, label: string): void;
  /** The group has been ended (or its leader exited and was cleaned up). */
  untrack(pgid: number): void;
  /**
   * Variables every child must carry in its environment, set at spawn: they let the
   * reaper find a child it has not been told about yet (see reaper.ts).
   */
  readonly childEnv?: Readonly<Record<string, string>>;
}

/** For callers with no supervisor (tests of a single part, `jaffle console`). */
export const noTracking: ProcessGroupTracker = {
  track() {},
  untrack() {},
};
