/**
 * Helpers for the process tests: a tracker that records groups, block configurations,
 * and a zombie-aware liveness check (this machine's pid 1 may not reap orphans, so
 * `kill(pid, 0)` alone would call a dead grandchild alive). Lines logged are kept by
 * the one test logger, recordingLogger (test/helpers).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { ProcessGroupTracker } from "../../src/process/tracker.js";
import type { LoggerConfig, ProcessConfig, JobConfig } from "../../src/config/types.js";
import { fixturesDir } from "../helpers/index.js";

export const processFixtures = join(fixturesDir, "process");

/** `node <fixture> args...` as a command string, quoted for splitCommand. */
export function fixtureCommand(script: string, ...args: string[]): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [process.execPath, join(processFixtures, script), ...args].map(quote).join(" ");
}

export class RecordingTracker implements ProcessGroupTracker {
  readonly tracked = new Map<number, string>();
  readonly history: string[] = [];
  track(pgid: number, label: string): void {
    this.tracked.set(pgid, label);
    this.history.push(`track ${pgid} ${label}`);
  }
  untrack(pgid: number): void {
    this.tracked.delete(pgid);
    this.history.push(`untrack ${pgid}`);
  }
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The process's start time (clock ticks since boot), or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Ends, when the test ends, every process group a test started that may still run.
 * Pids are recycled quickly here (pid_max 32768), so a leader's start time is noted
 * when it is added and a group whose leader pid now belongs to another process is
 * left alone: cleanup must never kill someone else's processes.
 */
export class GroupJanitor {
  private readonly groups = new Map<number, string | undefined>();

  constructor(t: TestContext) {
    t.after(() => {
      for (const [pid, startTime] of this.groups) {
        const now = processStartTime(pid);
        if (now !== undefined && now !== startTime) continue;
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    });
  }

  add(pid: number): void {
    if (!this.groups.has(pid)) this.groups.set(pid, processStartTime(pid));
  }
}

export const noRules: LoggerConfig = { suppress_regex: [], replace_regex: [] };

export function processConfig(command: string, overrides: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    command,
    tty: false,
    env: {},
    logger: noRules,
    disabled: false,
    restart: "never",
    max_restarts: 5,
    restart_window: 10,
    depends_on: [],
    stop_timeout: 5,
    keep_blank_lines: false,
    ...overrides,
  };
}

export function jobConfig(command: string, overrides: Partial<JobConfig> = {}): JobConfig {
  return { command, env: {}, tty: false, logger: noRules, keep_blank_lines: false, ...overrides };
}
