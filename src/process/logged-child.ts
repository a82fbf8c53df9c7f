/**
 * Spawning one command as the leader of its own process group and turning its output
 * into log lines: stdout at info, stderr at warning; behind a pseudo-terminal (tty)
 * both arrive merged on the terminal and are logged at info with only colour kept.
 * Shared by ManagedProcess (long-running) and JobRunner (on demand).
 *
 * A process is its whole group: when the leader exits, whatever it left running in
 * its group is terminated too, so a restart never collides with a leftover (a port
 * still bound) and nothing outlives its process. The group is reported to the
 * tracker from spawn until it is gone.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { constants as osConstants } from "node:os";
import type * as NodePty from "node-pty";
import { stripAnsi } from "../log/ansi.js";
import type { Logger } from "../log/logger.js";
import type { ProcessGroupTracker } from "./tracker.js";
import { LineSplitter } from "./line-splitter.js";
import { keepOnlyColor } from "./terminal-text.js";
import { isGroupAlive, terminateGroup } from "./groups.js";
import { checkWorkingDirectory, resolveExecutable } from "./executable.js";
import type { ChildExit } from "./exit.js";

export interface ChildSpec {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  tty: boolean;
  /** Shown by the tracker (and the reaper) for this group. */
  label: string;
  logger: Logger;
  tracker: ProcessGroupTracker;
  /** Also sees every stderr line (pipes only), e.g. to quote the last ones in an error. */
  onStderrLine?: (line: string) => void;
  /** How long leftovers of an exited leader get between SIGTERM and SIGKILL; default 5 s. */
  leftoverTimeoutMs?: number;
  /**
   * Lines that show nothing (empty, whitespace or colour codes only) are not logged: a
   * process block's default (`keep_blank_lines = false`), since compilers such as tsc
   * print many and a log line without text says nothing.
   */
  dropBlankLines?: boolean;
}

export interface LoggedChild {
  /** The leader's pid, which is also the group id. */
  readonly pid: number;
  /** Resolves as soon as the leader exited (its group and output may still be winding down). */
  readonly leaderExited: Promise<ChildExit>;
  /** Resolves once the leader exited, its group is gone and all its output is logged. */
  readonly exited: Promise<ChildExit>;
}

/** Columns of the pseudo-terminal: wide, so programs that fit output to it do not wrap. */
const PTY_COLUMNS = 200;
const PTY_ROWS = 50;
/** How long leftovers of an exited leader get between SIGTERM and SIGKILL. */
const LEFTOVER_TIMEOUT_MS = 5000;
/** After the group is gone, output pipes should close at once; a process that left the group (setsid) may hold them. */
const PIPE_CLOSE_GRACE_MS = 2000;

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/**
 * Spawns the command; resolves once it runs. Rejects with a one-line Error when it
 * cannot start (program not found, missing working directory, spawn failure).
 */
export async function spawnLoggedChild(spec: ChildSpec): Promise<LoggedChild> {
  const [file, ...args] = spec.argv;
  if (file === undefined) throw new Error("empty command");
  checkWorkingDirectory(spec.cwd);
  const executable = resolveExecutable(file, spec.cwd, spec.env);
  // The tracker's marker goes in at exec time, so the reaper can find this child even
  // before the track() below has reached it.
  const marked = { ...spec, env: { ...spec.env, ...spec.tracker.childEnv } };
  return spec.tty ? spawnWithPty(marked, executable, args) : spawnWithPipes(marked, executable, args);
}

async function endLeftovers(pgid: number, spec: ChildSpec): Promise<void> {
  if (!isGroupAlive(pgid)) return;
  const how = await terminateGroup(pgid, spec.leftoverTimeoutMs ?? LEFTOVER_TIMEOUT_MS);
  spec.logger.debug(`ended processes left running in the group after its leader exited (${how})`);
}

function spawnWithPipes(spec: ChildSpec, executable: string, args: string[]): Promise<LoggedChild> {
  const child = spawn(executable, args, {
    cwd: spec.cwd,
    env: spec.env,
    // Own group (detached) so signals reach everything it starts; no stdin, so a
    // process that reads it sees EOF instead of stealing the terminal.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // argv[0] as written in the command, as a shell would pass it.
    argv0: spec.argv[0],
  });
  const shown = (line: string) => !(spec.dropBlankLines && isBlank(line));
  const stdoutLines = new LineSplitter((line) => {
    if (shown(line)) spec.logger.info(line);
  });
  const stderrLines = new LineSplitter((line) => {
    spec.onStderrLine?.(line);
    if (shown(line)) spec.logger.warning(line);
  });
  child.stdout!.on("data", (chunk: Buffer) => stdoutLines.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => stderrLines.push(chunk));

  return new Promise((resolveSpawn, rejectSpawn) => {
    child.once("error", (error) =>
      rejectSpawn(new Error(`cannot run ${JSON.stringify(spec.argv[0])}: ${error.message}`)),
    );
    child.once("spawn", () => {
      const pid = child.pid!;
      spec.tracker.track(pid, spec.label);
      const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
      const leaderExited = new Promise<ChildExit>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
      );
      const exited = new Promise<ChildExit>((resolve) => {
        void leaderExited.then(({ code, signal }) => {
          void (async () => {
            await endLeftovers(pid, spec);
            spec.tracker.untrack(pid);
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, PIPE_CLOSE_GRACE_MS)))]);
            clearTimeout(timer);
            child.stdout!.destroy();
            child.stderr!.destroy();
            stdoutLines.end();
            stderrLines.end();
            resolve({ code, signal });
          })();
        });
      });
      resolveSpawn({ pid, leaderExited, exited });
    });
  });
}

/** node-pty (a native addon) loads for the first tty process only: most runs have none. */
let nodePty: typeof NodePty | undefined;
function ptyModule(): typeof NodePty {
  nodePty ??= createRequire(import.meta.url)("node-pty") as typeof NodePty;
  return nodePty;
}

async function spawnWithPty(spec: ChildSpec, executable: string, args: string[]): Promise<LoggedChild> {
  const env = { ...spec.env };
  // Programs only colour for a terminal they know; a CI's TERM=dumb would defeat tty.
  if (env.TERM === undefined || env.TERM === "dumb") env.TERM = "xterm-256color";
  let terminal: NodePty.IPty;
  try {
    terminal = ptyModule().spawn("/bin/sh", ["-c", TTY_WRAPPER, "jaffle-tty", executable, ...args], {
      name: env.TERM,
      cols: PTY_COLUMNS,
      rows: PTY_ROWS,
      cwd: spec.cwd,
      env,
    });
  } catch (error) {
    throw new Error(`cannot run ${JSON.stringify(spec.argv[0])} in a pseudo-terminal: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // node-pty makes the child a session (and so group) leader.
  const pid = terminal.pid;
  spec.tracker.track(pid, spec.label);
  /** The command's exit code, from the wrapper's sentinel; undefined until it came. */
  let reported: number | undefined;
  const lines = new LineSplitter((line) => {
    if (reported !== undefined) return; // the echo of our acknowledgement
    const sentinel = TTY_EXIT_SENTINEL.exec(line);
    if (sentinel) {
      // Everything the command wrote came before this on the same terminal: all read.
      reported = Number(sentinel[2]);
      if (sentinel[1]) logTerminalLine(sentinel[1], spec);
      terminal.write("\n"); // lets the wrapper exit
      return;
    }
    logTerminalLine(line, spec);
  });
  const dataSubscription = terminal.onData((data) => lines.push(data));
  let leaderGone!: (status: ChildExit) => void;
  const leaderExited = new Promise<ChildExit>((resolve) => (leaderGone = resolve));
  const exited = new Promise<ChildExit>((resolve) => {
    const exitSubscription = terminal.onExit(({ exitCode, signal }) => {
      exitSubscription.dispose();
      leaderGone({ code: signal ? null : exitCode, signal: signal ? (signalNames.get(signal) ?? null) : null });
      void (async () => {
        await endLeftovers(pid, spec);
        spec.tracker.untrack(pid);
        // Without a sentinel (the group was signalled) output may still be queued.
        await new Promise((r) => setImmediate(r));
        dataSubscription.dispose();
        lines.end();
        resolve(
          reported !== undefined
            ? statusFromShell(reported)
            : { code: signal ? null : exitCode, signal: signal ? (signalNames.get(signal) ?? null) : null },
        );
      })();
    });
  });
  return { pid, leaderExited, exited };
}

/**
 * Runs the command behind the terminal under a small /bin/sh wrapper. When the command
 * ends, the wrapper prints a sentinel with its exit status on the same terminal and waits
 * for a line from us before it exits. Seeing the sentinel proves that everything before
 * it has been read: Linux can report the end of a terminal while output is still in its
 * buffers when the last writer closes it (a flood's last lines were lost under load), but
 * here the wrapper keeps the terminal open until we have read it all. The sentinel is an
 * OSC sequence, invisible should it ever reach a real terminal.
 */
const TTY_WRAPPER = `"$@"; status=$?; printf '\\033]7770;jaffle-exit;%d\\007\\n' "$status"; IFS= read -r _; exit "$status"`;
// eslint-disable-next-line no-control-regex -- the sentinel is an escape sequence
const TTY_EXIT_SENTINEL = /^(.*)\x1b\]7770;jaffle-exit;(\d+)\x07$/;

/** A shell's `$?`: above 128 the command was ended by signal `$? - 128`. */
function statusFromShell(status: number): ChildExit {
  const signal = status > 128 ? signalNames.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}

/** A line that shows nothing: empty, or only whitespace and escape sequences. */
function isBlank(line: string): boolean {
  return stripAnsi(line).trim() === "";
}

function logTerminalLine(line: string, spec: ChildSpec): void {
  const text = keepOnlyColor(line);
  if (spec.dropBlankLines && isBlank(text)) return;
  // A redraw-only line (cursor movement, clear) leaves nothing to log.
  if (text.length > 0 || line.length === 0) spec.logger.info(text);
}

/**
 * How ManagedProcess and JobRunner start and end their children. The real functions by
 * default; unit tests of restart policy and job queueing pass a fake child instead, the
 * way concurrently takes its `spawn` and `kill` as injected dependencies.
 */
export interface ChildControl {
  spawn(spec: ChildSpec): Promise<LoggedChild>;
  /** Ends the child's process group: SIGTERM, then SIGKILL after `timeoutMs`. */
  terminate(pgid: number, timeoutMs: number): Promise<"exited" | "killed">;
}

export const processGroups: ChildControl = { spawn: spawnLoggedChild, terminate: terminateGroup };
