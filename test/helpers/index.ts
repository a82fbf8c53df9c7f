/**
 * Shared test helpers: temporary directories that are always removed, waiting on a
 * condition instead of sleeping, and running the real `jaffle` executable.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, type TestContext } from "node:test";
import { CACHE_DIR_ENV } from "../../src/config/parse-cache.js";
import { launchKernel, type RunningKernel } from "../../src/kernel/launcher.js";
import { loggerFrom, silentLogger, type Level, type Logger } from "../../src/log/logger.js";
import { AssertionError } from "node:assert";
import { inspect } from "node:util";

/** The repository root (tests run from dist/test/..., fixtures live in test/fixtures). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const fixturesDir = join(repoRoot, "test", "fixtures");
export const jaffleBin = join(repoRoot, "bin", "jaffle.js");
export { needsPython, needsPythonPackages, systemPython, type JupyterPackage } from "./python.js";

/**
 * Tests never write to the user's cache: every test process (and each jaffle it starts,
 * which inherits the environment) caches configuration parses in its own temp dir,
 * removed when the process exits.
 */
const testCache = mkdtempSync(join(tmpdir(), "jaffle-test-cache-"));
process.env[CACHE_DIR_ENV] = testCache;
process.on("exit", () => rmSync(testCache, { recursive: true, force: true }));

/**
 * Temp dirs of this test file, removed once every test of the file and every test's own
 * `after` hooks have run. Not in the test's own `after`: those hooks run in the order
 * they were added, so a removal added by `tempDir` would run before the hook that stops
 * a jaffle started in that directory. That jaffle would still write its status and
 * history files there (a removal failing with ENOTEMPTY, whose throw then skipped the
 * stopping hook and left the jaffle running until the file's time limit), or create
 * the directory again after it was removed.
 */
const tempDirs: string[] = [];

/**
 * Process groups of the jaffles this file started that have not exited yet. A test's own
 * `after` hook ends its jaffle, but a test cancelled by its time limit may never reach
 * it; the file's last hook ends what is left, so the file can exit and nothing stays.
 */
const liveGroups = new Map<number, Promise<unknown>>();

after(async () => {
  for (const [pgid, exited] of liveGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      /* already gone */
    }
    await exited;
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

/** A fresh directory under the system temp dir, removed when this test file ends. */
export function tempDir(_t: TestContext, prefix = "jaffle-test-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/**
 * The element at `index` (negative counts from the end), failing the test with what the
 * list holds when there is none: a test reads `nth(lines, 0)`, not `lines[0]!`.
 */
export function nth<T>(list: readonly T[], index: number): T {
  const item = list.at(index);
  if (item === undefined)
    throw new AssertionError({ message: `no element ${index} in a list of ${list.length}: ${inspect(list)}` });
  return item;
}

/** `value`, failing the test with `what` when it is undefined (a key a test expects). */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AssertionError({ message: `expected ${what}, found none` });
  return value;
}

/**
 * Polls `check` until it returns a truthy value; fails after `timeoutMs` with `what`. A
 * `what` that shows output is a function: it is read at the timeout, not at the start.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 30_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface RunningJaffle {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout (or stderr) contains a match. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number, stream?: "stdout" | "stderr"): Promise<void>;
}

/**
 * Starts `node bin/jaffle.js ...args` in `cwd` (`bin`: another copy's bin/jaffle.js). The
 * process is killed (by group) when the test ends if it is still running.
 */
export function startJaffle(
  t: TestContext,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; bin?: string } = { cwd: repoRoot },
): RunningJaffle {
  // A kernel started here watches this process, as one started by jupyter_client does:
  // if the test process is killed before its t.after runs, the kernel still ends.
  const parent = args[0] === "kernel" ? { JPY_PARENT_PID: String(process.pid) } : {};
  const child = spawn(process.execPath, [options.bin ?? jaffleBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...parent, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  const pid = child.pid;
  if (pid !== undefined) liveGroups.set(pid, exited);
  void exited.then(() => {
    done = true;
    if (pid !== undefined) liveGroups.delete(pid);
  });
  t.after(async () => {
    if (!done && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      await exited;
    }
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: async (pattern, timeoutMs = 60_000, stream = "stdout") => {
      const matches = () => {
        const text = stream === "stdout" ? out : err;
        return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
      };
      await Promise.race([
        waitFor(matches, () => `${String(pattern)} in ${stream}; got:\n${stream === "stdout" ? out : err}`, timeoutMs),
        exited.then(() => {
          if (!matches())
            throw new Error(`jaffle exited before printing ${String(pattern)}:\nstdout:\n${out}\nstderr:\n${err}`);
        }),
      ]);
    },
  };
}

/** Runs `jaffle ...args` to completion and returns its exit code and output. */
export async function runJaffle(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [jaffleBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(options.stdin ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface RecordingLogger extends Logger {
  lines: { level: Level; message: string }[];
  /** Every message logged at `level`. */
  at(level: Level): string[];
  /** Every line as `level: message`. */
  all(): string[];
  /** All lines as `level: message`, one a line (for assertion messages). */
  text(): string;
  /** Waits until a logged message matches. */
  waitFor(pattern: RegExp | string, what?: string, timeoutMs?: number): Promise<void>;
}

/**
 * The tests' one Logger: it keeps what it is told, for tests of parts that log. With
 * JAFFLE_TEST_ECHO set it also echoes every line to stderr, to follow a test live.
 */
export function recordingLogger(name = "test", echo = Boolean(process.env["JAFFLE_TEST_ECHO"])): RecordingLogger {
  const lines: { level: Level; message: string }[] = [];
  const all = () => lines.map((line) => `${line.level}: ${line.message}`);
  const text = () => all().join("\n");
  return {
    ...loggerFrom(name, (level, message) => {
      lines.push({ level, message });
      if (echo) process.stderr.write(`[${name}] ${level}: ${message}\n`);
    }),
    lines,
    at: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
    all,
    text,
    waitFor: async (pattern, what, timeoutMs = 60_000) => {
      const matches = (message: string) =>
        typeof pattern === "string" ? message.includes(pattern) : pattern.test(message);
      await waitFor(
        () => lines.some((line) => matches(line.message)),
        what ?? `${String(pattern)} in the log of ${name}:\n${text()}`,
        timeoutMs,
      );
    },
  };
}

/** Ports handed to test servers: below Linux's ephemeral range (32768-60999). */
const TEST_PORT_FIRST = 20_000;
const TEST_PORT_COUNT = 12_000;

/**
 * A free TCP port on 127.0.0.1 for a server a test starts. Not port 0's pick: kernels
 * started by tests running in parallel take their ZeroMQ ports from the ephemeral range,
 * and could take that same port between this check and the server's own bind. A random
 * port below that range (checked bindable) keeps test servers and kernels apart.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = TEST_PORT_FIRST + Math.floor(Math.random() * TEST_PORT_COUNT);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (bound) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
  throw new Error("no free test port found");
}

/**
 * Launches a real kernel for a test (`kernelName` absent: the built-in Node kernel),
 * with no extra environment, and shuts it down when the test ends. `onCleanup` replaces
 * `t.after` where cleanups must run in another order (apps before their kernel).
 */
export async function startTestKernel(
  t: TestContext,
  options: {
    runtimeDir: string;
    cwd?: string;
    kernelName?: string;
    name?: string;
    logger?: Logger;
    onCleanup?: (cleanup: () => Promise<void>) => void;
  },
): Promise<RunningKernel> {
  const kernel = await launchKernel({
    name: options.name ?? "kernel",
    ...(options.kernelName ? { kernelName: options.kernelName } : {}),
    runtimeDir: options.runtimeDir,
    cwd: options.cwd ?? options.runtimeDir,
    passEnv: [],
    env: {},
    logger: options.logger ?? silentLogger,
    startupTimeoutMs: 120_000,
  });
  (options.onCleanup ?? ((cleanup) => t.after(cleanup)))(() => kernel.shutdown(5000));
  return kernel;
}
