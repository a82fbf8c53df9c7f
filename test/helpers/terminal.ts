/**
 * `jaffle` in a pseudo-terminal (the interactive shells `console` and `attach`, and
 * `start`'s Ctrl-C question): what the terminal printed, read with `expect` (a pattern in
 * the output since the last match), and the process's exit. The terminal's process group
 * is killed at the end of the test.
 *
 * A wait that fails says what the process was doing (its exit, or the state of each of
 * its threads and children) beside what the terminal showed: a terminal that stays silent
 * leaves nothing else to go on.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { spawn as spawnPty } from "node-pty";
import { jaffleBin, waitFor } from "./index.js";

export interface JaffleTerminal {
  readonly pid: number;
  write(keys: string): void;
  /** Everything the terminal printed so far. */
  screen(): string;
  /** Waits for `pattern` in what the terminal printed since the last match; returns the match. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Waits for `jaffle start`'s ready line; fails with the screen on its "not ready" line. */
  expectReady(timeoutMs?: number): Promise<void>;
  /** Resolves to the exit code once the process exited. */
  exited(timeoutMs?: number): Promise<number>;
}

export interface TerminalOptions {
  cwd: string;
  /** Processes (a kernel) whose state a failed wait reports beside jaffle's. */
  alsoWatch?: Record<string, number>;
  /** Leave colour on (NO_COLOR empty): the caller decides with its own arguments. */
  color?: boolean;
}

/** After the process exited, how long the terminal may still deliver what it printed. */
const OUTPUT_AFTER_EXIT_MS = 2_000;

/** A /proc stat line's state letter and the kernel function the task waits in. */
function taskState(dir: string): string {
  const stat = readFileSync(`${dir}/stat`, "utf8");
  const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  let wchan = "-";
  try {
    wchan = readFileSync(`${dir}/wchan`, "utf8") || "-";
  } catch {
    /* not readable here */
  }
  return `${name} ${state} ${wchan}`;
}

/** A process's state and its threads' ("gone" once it exited). */
export function processState(pid: number): string {
  try {
    const threads = readdirSync(`/proc/${pid}/task`)
      .filter((tid) => tid !== String(pid))
      .map((tid) => {
        try {
          return taskState(`/proc/${pid}/task/${tid}`);
        } catch {
          return `${tid} gone`;
        }
      });
    // Threads in the same state are counted, not listed: a Node process has a dozen idle ones.
    const counted = new Map<string, number>();
    for (const thread of threads) counted.set(thread, (counted.get(thread) ?? 0) + 1);
    const summary = [...counted].map(([state, count]) => (count > 1 ? `${state} ×${count}` : state)).join(", ");
    return `pid ${pid} ${taskState(`/proc/${pid}`)}; threads: ${summary || "none"}`;
  } catch {
    return `pid ${pid} gone`;
  }
}

/** The processes whose parent is `pid`, each with its state and command line. */
function childrenOf(pid: number): string[] {
  const children: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent !== pid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      children.push(`${processState(Number(entry))} [${command}]`);
    } catch {
      /* gone meanwhile */
    }
  }
  return children;
}

/**
 * Runs `jaffle ARGS` in a 200×50 terminal, without colour unless `options.color`.
 */
export function openJaffleTerminal(t: TestContext, args: string[], options: TerminalOptions): JaffleTerminal {
  const term = spawnPty(process.execPath, [jaffleBin, ...args], {
    cwd: options.cwd,
    cols: 200,
    rows: 50,
    env: { ...process.env, NO_COLOR: options.color ? "" : "1" } as Record<string, string>,
  });
  let screen = "";
  let mark = 0;
  let end: { code: number; signal: number; at: number } | undefined;
  term.onData((data) => (screen += data));
  const exit = new Promise<void>((resolve) =>
    term.onExit(({ exitCode, signal }) => {
      end = { code: exitCode, signal: signal ?? 0, at: Date.now() };
      resolve();
    }),
  );
  t.after(async () => {
    if (end) return;
    try {
      // The terminal's session leader is jaffle: its group is jaffle's own processes.
      process.kill(-term.pid, "SIGKILL");
    } catch {
      /* gone */
    }
    await exit;
  });

  const describe = () => {
    if (end) return `exited with code ${end.code}, signal ${end.signal}`;
    const watched = Object.entries(options.alsoWatch ?? {}).map(([name, pid]) => `${name} ${processState(pid)}`);
    const children = childrenOf(term.pid);
    return [
      `still running: jaffle ${processState(term.pid)}`,
      ...watched,
      `children: ${children.length > 0 ? children.join("; ") : "none"}`,
    ].join("\n  ");
  };

  const terminal: JaffleTerminal = {
    pid: term.pid,
    write: (keys) => term.write(keys),
    screen: () => screen,
    async expectReady(timeoutMs) {
      // "ready in 0.61 s: ..." or "not ready after 60.02 s: 1 problem" (each failure logged before it).
      const [, outcome] = await terminal.expect(/\bready (in|after) \d/, timeoutMs);
      if (outcome !== "in") throw new Error(`jaffle did not get ready; the terminal showed:\n${screen}`);
    },
    async expect(pattern, timeoutMs = 120_000) {
      const startedAt = Date.now();
      let outcome: "seen" | "gone" | undefined;
      try {
        outcome = await waitFor(
          () => {
            if (pattern.test(screen.slice(mark))) return "seen";
            // A process that is gone prints nothing more once its last output is in.
            if (end && Date.now() - end.at > OUTPUT_AFTER_EXIT_MS) return "gone";
            return undefined;
          },
          `${pattern} on the terminal`,
          timeoutMs,
        );
      } catch {
        /* timed out: said below */
      }
      if (outcome !== "seen") {
        throw new Error(
          `${pattern} was not on the terminal after ${Date.now() - startedAt} ms (${describe()}); it showed:\n` +
            JSON.stringify(screen.slice(mark)),
        );
      }
      const match = pattern.exec(screen.slice(mark))!;
      mark += match.index + match[0].length;
      return match;
    },
    async exited(timeoutMs = 30_000) {
      try {
        await waitFor(() => end !== undefined, "the terminal's process to exit", timeoutMs);
      } catch (error) {
        throw new Error(`the terminal's process did not exit (${describe()})`, { cause: error });
      }
      return end!.code;
    },
  };
  return terminal;
}
