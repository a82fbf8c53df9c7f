/**
 * The one home of process-group signalling: probing, signalling, waiting for and ending
 * a whole group, the leader and everything it started (a shell's children, a dev
 * server's workers). Every child jaffle starts leads its own group, so its pid is its
 * process-group id. Nothing else calls `process.kill(-pgid, …)`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { pollUntil } from "./poll.js";

/** Fields of /proc/<pid>/stat after the parenthesised command name. */
function procStat(pid: string): { state: string; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may contain spaces and parentheses: split after the last ")".
    const [state, , pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return state === undefined || pgid === undefined ? undefined : { state, pgid: Number(pgid) };
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie (where /proc exists; else: it exists). */
export function isProcessRunning(pid: number): boolean {
  if (process.platform !== "linux") {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  const stat = procStat(String(pid));
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

/** Sends `signal` to one process; false when it is gone (or not ours). */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
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
 * Running processes (zombies excluded) whose environment holds `name=value`, with their
 * process groups; read from /proc, so only our own user's processes are seen. Empty
 * where /proc does not exist.
 */
export function processesWithEnv(name: string, value: string): { pid: number; pgid: number }[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const wanted = `${name}=${value}`;
  const found: { pid: number; pgid: number }[] = [];
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57 || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours
    }
    if (!environ.split("\0").includes(wanted)) continue;
    const stat = procStat(entry);
    if (stat && stat.state !== "Z" && stat.state !== "X") found.push({ pid: Number(entry), pgid: stat.pgid });
  }
  return found;
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

/**
 * Sends `signal` to every process of the group. True when it was delivered, false when
 * no process of the group is left (ESRCH) or it is not ours (EPERM).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`signalGroup: invalid process group id ${pgid}`);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH" || code === "EPERM") return false;
    throw error;
  }
}

/** Resolves true once the group is gone, false when `timeoutMs` passed first. */
export function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  return pollUntil(() => !isGroupAlive(pgid), { timeoutMs });
}

/** Resolves true once every one of the groups is gone, false when `timeoutMs` passed first. */
export function waitForGroupsExit(pgids: Iterable<number>, timeoutMs: number): Promise<boolean> {
  const groups = [...pgids];
  return pollUntil(() => groups.every((pgid) => !isGroupAlive(pgid)), { timeoutMs });
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
