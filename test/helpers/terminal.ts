/**
 * `jaffle` in a pseudo-terminal, for the interactive shells (`console`, `attach`): what
 * the terminal printed, read with `expect` (a pattern in the output since the last
 * match), and the process's exit. The terminal is killed at the end of the test.
 */
import { readFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { spawn as spawnPty } from "node-pty";
import { jaffleBin, waitFor } from "./index.js";

export interface JaffleTerminal {
  readonly pid: number;
  write(keys: string): void;
  /** Waits for `pattern` in what the terminal printed since the last match; returns the match. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves to the exit code once the process exited. */
  exited(timeoutMs?: number): Promise<number>;
}

/** A process's state letter and kernel wait channel from /proc ("gone" once it exited). */
export function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    const wchan = readFileSync(`/proc/${pid}/wchan`, "utf8");
    return `pid ${pid} state ${state} wchan ${wchan || "-"}`;
  } catch {
    return `pid ${pid} gone`;
  }
}

/**
 * Runs `jaffle ARGS` in a 120×40 terminal without colour. `alsoWatch` names processes
 * (a kernel) whose state a timed-out `expect` reports beside the terminal's.
 */
export function openJaffleTerminal(
  t: TestContext,
  args: string[],
  options: { cwd: string; alsoWatch?: Record<string, number> },
): JaffleTerminal {
  const term = spawnPty(process.execPath, [jaffleBin, ...args], {
    cwd: options.cwd,
    cols: 120,
    rows: 40,
    env: { ...process.env, NO_COLOR: "1" } as Record<string, string>,
  });
  let screen = "";
  let mark = 0;
  let exitCode: number | undefined;
  term.onData((data) => (screen += data));
  term.onExit(({ exitCode: code }) => (exitCode = code));
  t.after(() => {
    if (exitCode === undefined) term.kill("SIGKILL");
  });
  return {
    pid: term.pid,
    write: (keys) => term.write(keys),
    async expect(pattern, timeoutMs = 60_000) {
      try {
        await waitFor(() => pattern.test(screen.slice(mark)), `${pattern} on the terminal`, timeoutMs);
      } catch (error) {
        // What each side was doing when the output stopped, and what the terminal showed.
        const states = Object.entries({ jaffle: term.pid, ...options.alsoWatch }).map(
          ([name, pid]) => `${name} ${processState(pid)}`,
        );
        throw new Error(
          `${(error as Error).message} (exit code: ${exitCode ?? "still running"}; ${states.join("; ")}); got:\n` +
            JSON.stringify(screen.slice(mark)),
          { cause: error },
        );
      }
      const match = pattern.exec(screen.slice(mark))!;
      mark += match.index + match[0].length;
      return match;
    },
    async exited(timeoutMs = 30_000) {
      await waitFor(() => exitCode !== undefined, "the terminal's process to exit", timeoutMs);
      return exitCode!;
    },
  };
}
