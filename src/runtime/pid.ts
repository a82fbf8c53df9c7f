/** Is a recorded supervisor pid still a running jaffle? */
import { readFileSync } from "node:fs";

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True when `pid` runs and is (as far as we can tell) a jaffle supervisor. After a reboot
 * or a long time the pid of a dead supervisor can belong to an unrelated process; where
 * /proc exists we look at its command line so such a pid does not block the next start.
 */
export function isJaffleRunning(pid: number): boolean {
  if (!pidExists(pid)) return false;
  if (pid === process.pid) return true;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return true; // no /proc (macOS) or no access: trust the pid
  }
  if (cmdline === "") return false; // a zombie: it has exited
  return cmdline.includes("jaffle");
}
