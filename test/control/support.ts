/**
 * Helpers for the control tests: `jaffle` commands run against a running jaffle, and
 * what its status file says about each block's pid.
 */
import type { TestContext } from "node:test";
import { runJaffle, startJaffle, type RunningJaffle } from "../helpers/index.js";
import { statusOf } from "../supervisor/support.js";

export { project, startReady, statusOf, waitGroupsGone, groupsOf, linesOf } from "../supervisor/support.js";

/** Runs `jaffle ...args` in `dir` to completion. */
export function jaffleIn(dir: string, args: string[], timeoutMs = 120_000) {
  return runJaffle(args, { cwd: dir, timeoutMs });
}

/** The pid of every process and kernel, by name, from the status file. */
export function pidsOf(dir: string): Record<string, number | null> {
  const status = statusOf(dir);
  if (!status) throw new Error(`no status file in ${dir}`);
  return {
    ...Object.fromEntries(Object.entries(status.kernels).map(([name, kernel]) => [`kernel ${name}`, kernel.pid])),
    ...Object.fromEntries(Object.entries(status.processes).map(([name, proc]) => [name, proc.pid])),
  };
}

/** `jaffle logs ...args` running beside the test (ended with it). */
export function followLogs(t: TestContext, dir: string, args: string[]): RunningJaffle {
  return startJaffle(t, ["logs", ...args], { cwd: dir });
}
