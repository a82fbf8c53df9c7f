/**
 * Ending a whole process group: the leader and everything it started (a shell's
 * children, a dev server's workers). Every child jaffle starts leads its own group,
 * so its pid is its process-group id.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Fields of /proc/<pid>/stat after the parenthesised command name. */
function procStat(pid: string): { state: string; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may contain spaces and parentheses: split after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, pgid: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Pids of the group's members that are still running (zombies excluded), read from
 * /proc. Empty where /proc does not exist.
 */
export function runningGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57) continue; // not a pid directory
    const stat = procStat(entry);
    if (stat && stat.pgid === pgid && stat.state !== "Z" && stat.state !== "X") members.push(Number(entry));
  }
  return members;
}

/**
 * True while any process of the group is still running. `kill(-pgid, 0)` answers
 * cheaply when the group is gone; when it says the group exists, /proc tells whether
 * only zombies remain: orphans are reparented to pid 1, and a container's pid 1 may
 * never reap them, so a dead group can keep "existing" forever.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") return true;
  return runningGroupMembers(pgid).length > 0;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

const POLL_MS = 20;

/** Resolves true once the group is gone, false when `timeoutMs` passed first. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/**
 * SIGTERM to every process of the group, then waits until none is left; SIGKILL to
 * the group after `timeoutMs`. Resolves "exited" when SIGTERM sufficed (or the group
 * was already gone), "killed" when SIGKILL was needed.
 */
export async function terminateGroup(pgid: number, timeoutMs = 5000): Promise<"exited" | "killed"> {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`terminateGroup: invalid process group id ${pgid}`);
  if (!isGroupAlive(pgid)) return "exited";
  signalGroup(pgid, "SIGTERM");
  // A stopped (SIGSTOP/SIGTSTP) process would never act on SIGTERM.
  signalGroup(pgid, "SIGCONT");
  if (await waitForGroupExit(pgid, timeoutMs)) return "exited";
  signalGroup(pgid, "SIGKILL");
  // SIGKILL cannot be ignored; only a process in uninterruptible sleep delays it.
  await waitForGroupExit(pgid, 10_000);
  return "killed";
}
