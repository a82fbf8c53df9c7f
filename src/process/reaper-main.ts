/**
 * The reaper guardian: a tiny process that outlives a SIGKILLed supervisor just long
 * enough to end the process groups the supervisor started. It reads track/untrack
 * commands on stdin (a pipe whose only writer is the supervisor); when that pipe
 * reaches end of input without a `close` command, the supervisor is gone: SIGTERM to
 * every tracked group and every process that carries the supervisor's marker in its
 * environment (argv[2]; see reaper.ts), SIGKILL after 3 s, exit.
 *
 * It runs detached (its own session), so a Ctrl-C or hang-up aimed at the
 * supervisor's terminal does not take it down before it has done its job.
 */
import { LineSplitter } from "./line-splitter.js";
import { isGroupAlive, isProcessRunning, processesWithEnv, signalGroup, signalProcess } from "./groups.js";
import { pollUntil } from "./poll.js";
import { decodeCommand, MARKER_VARIABLE, READY_LINE } from "./reaper-protocol.js";

const KILL_AFTER_MS = 3000;
/** After SIGKILL, how long to keep looking for stragglers (a child caught between fork and exec). */
const GIVE_UP_AFTER_MS = 10_000;
/**
 * Look for marked processes at least this long: a child the supervisor forked just before
 * it died carries the marker only once it has called exec.
 */
const MIN_SCAN_MS = 300;
const SCAN_INTERVAL_MS = 50;

process.title = "jaffle-reaper";
const marker = process.argv[2] ?? "";
const tracked = new Map<number, string>();
let closedCleanly = false;

/** What is to be ended: a group (its leader was started by us) or a single process. */
type Target = { kind: "group"; id: number } | { kind: "process"; id: number };

function targetAlive(target: Target): boolean {
  return target.kind === "group" ? isGroupAlive(target.id) : isProcessRunning(target.id);
}

function signalTarget(target: Target, signal: NodeJS.Signals): void {
  if (target.kind === "group") signalGroup(target.id, signal);
  else signalProcess(target.id, signal);
}

/** The tracked groups, and every process that carries our marker (tracked or not yet). */
function currentTargets(): Target[] {
  const targets = new Map<string, Target>();
  for (const pgid of tracked.keys()) targets.set(`g${pgid}`, { kind: "group", id: pgid });
  if (marker !== "") {
    for (const { pid, pgid } of processesWithEnv(MARKER_VARIABLE, marker)) {
      // A group leader started by us: its whole group. Anything else (a child that has
      // not yet left the supervisor's group, a daemon that left its own): only itself.
      if (pgid === pid) targets.set(`g${pgid}`, { kind: "group", id: pgid });
      else if (!targets.has(`g${pgid}`)) targets.set(`p${pid}`, { kind: "process", id: pid });
    }
  }
  return [...targets.values()].filter(targetAlive);
}

/** SIGTERM to everything we started, SIGKILL after KILL_AFTER_MS, until nothing is left. */
async function endEverything(): Promise<void> {
  const started = Date.now();
  const termed = new Set<string>();
  let killing = false;
  await pollUntil(
    () => {
      const targets = currentTargets();
      const elapsed = Date.now() - started;
      if (!killing && elapsed >= KILL_AFTER_MS) killing = true;
      for (const target of targets) {
        const key = `${target.kind}${target.id}`;
        if (killing) signalTarget(target, "SIGKILL");
        else if (!termed.has(key)) {
          termed.add(key);
          signalTarget(target, "SIGTERM");
          // A stopped (SIGSTOP/SIGTSTP) process would never act on SIGTERM.
          signalTarget(target, "SIGCONT");
        }
      }
      return targets.length === 0 && elapsed >= MIN_SCAN_MS;
    },
    { timeoutMs: GIVE_UP_AFTER_MS, intervalMs: SCAN_INTERVAL_MS },
  );
}

const lines = new LineSplitter((line) => {
  const command = decodeCommand(line);
  if (!command) return;
  if (command.kind === "track") tracked.set(command.pgid, command.label);
  else if (command.kind === "untrack") tracked.delete(command.pgid);
  else closedCleanly = true;
});

process.stdin.on("data", (chunk: Buffer) => lines.push(chunk));
process.stdin.on("end", () => {
  lines.end();
  if (closedCleanly) process.exit(0);
  void endEverything().finally(() => process.exit(0));
});
// The supervisor's terminal going away is not our business; its pipe closing is.
process.on("SIGINT", () => undefined);
process.on("SIGHUP", () => undefined);
process.on("SIGTERM", () => {
  void endEverything().finally(() => process.exit(0));
});

// A supervisor killed before this line is written has closed the pipe: the write fails
// with EPIPE, which must not end the guardian now, when its job begins (stdin's end).
process.stdout.on("error", () => undefined);
process.stdout.write(`${READY_LINE}\n`);
