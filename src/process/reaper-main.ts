/**
 * The reaper guardian: a tiny process that outlives a SIGKILLed supervisor just long
 * enough to end the process groups the supervisor started. It reads track/untrack
 * commands on stdin (a pipe whose only writer is the supervisor); when that pipe
 * reaches end of input without a `close` command, the supervisor is gone: SIGTERM to
 * every tracked group, SIGKILL after 3 s, exit.
 *
 * It runs detached (its own session), so a Ctrl-C or hang-up aimed at the
 * supervisor's terminal does not take it down before it has done its job.
 */
import { LineSplitter } from "./line-splitter.js";
import { isGroupAlive, waitForGroupExit } from "./groups.js";
import { decodeCommand, READY_LINE } from "./reaper-protocol.js";

const KILL_AFTER_MS = 3000;

process.title = "jaffle-reaper";
const tracked = new Map<number, string>();
let closedCleanly = false;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

async function endTrackedGroups(): Promise<void> {
  const groups = [...tracked.keys()].filter(isGroupAlive);
  for (const pgid of groups) {
    signalGroup(pgid, "SIGTERM");
    signalGroup(pgid, "SIGCONT");
  }
  const deadline = Date.now() + KILL_AFTER_MS;
  for (const pgid of groups) {
    if (!(await waitForGroupExit(pgid, Math.max(0, deadline - Date.now())))) signalGroup(pgid, "SIGKILL");
  }
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
  void endTrackedGroups().finally(() => process.exit(0));
});
// The supervisor's terminal going away is not our business; its pipe closing is.
process.on("SIGINT", () => undefined);
process.on("SIGHUP", () => undefined);
process.on("SIGTERM", () => {
  void endTrackedGroups().finally(() => process.exit(0));
});

process.stdout.write(`${READY_LINE}\n`);
