/**
 * Ends the kernel when the process that started it is gone, as ipykernel does with
 * JPY_PARENT_PID (its ParentPollerUnix): a client that crashed or was killed must not
 * leave a kernel behind. Under `jaffle start` the supervisor's guardian would end the
 * kernel's process group anyway; this covers every other launcher (a script using
 * launchKernel, jupyter_client, a test).
 */
import { isProcessRunning } from "../../process/groups.js";

const POLL_MS = 1000;

/**
 * Calls `onOrphaned` once the parent named by JPY_PARENT_PID is no longer our parent
 * (Linux re-parents an orphan to pid 1 or to a subreaper). Returns a function that stops
 * watching. Without JPY_PARENT_PID (started by hand) nothing is watched, nor when the
 * named process lives but is not our parent (a launcher between it and us).
 */
export function watchParent(onOrphaned: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  const parent = Number(env["JPY_PARENT_PID"]);
  if (!Number.isInteger(parent) || parent <= 1) return () => undefined;
  if (process.ppid !== parent) {
    // The watch starts once the kernel listens, a few hundred ms after the spawn: a parent
    // killed in between is already gone, and its orphan must end as well.
    if (!isProcessRunning(parent)) queueMicrotask(onOrphaned);
    return () => undefined;
  }
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, POLL_MS);
  // The watch alone must never keep the kernel alive.
  timer.unref();
  return () => clearInterval(timer);
}
