/**
 * The runtime directory (`.jaffle` by default): the status file, the kernels' connection
 * files and a lock file. One supervisor owns it at a time: `acquireRuntimeDir` refuses a
 * second `jaffle start` while the first runs, and clears what a dead one left behind
 * (Jaffle made the user run `jaffle stop` first; we just log it and go on).
 *
 * Jaffle never changes the mode of a directory it did not create. A directory others
 * can write to is not private enough for connection files (their keys): in a shared
 * sticky directory (1777, like /tmp) jaffle uses its own subdirectory `jaffle-<uid>`
 * (others cannot remove or replace it there); any other such directory is refused.
 */
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { JaffleError } from "../errors.js";
import { connectionFilePath, kernelOfConnectionFile, NODE_KERNEL_HISTORY_FILE } from "./connection-files.js";
import { isJaffleRunning } from "./pid.js";
import { readStatus, STATUS_FILE, writeStatus, type RuntimeStatus } from "./status.js";

export const DEFAULT_RUNTIME_DIR = ".jaffle";

/** The runtime directory cannot be taken (another jaffle runs there, or it is not usable). */
export class RuntimeDirError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}
/** Created with O_EXCL: whoever creates it owns the directory. Holds the owner's pid. */
export const LOCK_FILE = "supervisor.pid";

/** What a previous supervisor left in a runtime directory. */
export type PreviousRun =
  { kind: "none" } | { kind: "running"; pid: number } | { kind: "stale"; pid: number | undefined };

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/** Our uid; undefined where there is none (Windows): no ownership checks there. */
function ourUid(): number | undefined {
  return process.getuid?.();
}

/** The private subdirectory jaffle uses inside a shared sticky directory. */
function privateSubdirectory(dir: string): string {
  return join(dir, `jaffle-${ourUid() ?? "user"}`);
}

/** True for an existing directory that others can write to and that has the sticky bit. */
function isSharedStickyDir(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && (stat.mode & WRITABLE_BY_OTHERS) !== 0 && (stat.mode & STICKY) !== 0;
  } catch {
    return false;
  }
}

/**
 * The runtime directory for `--runtime-dir` (default `.jaffle` in the project). Given a
 * shared sticky directory, it is jaffle's own subdirectory there, the same for every
 * command (start, stop, status, console).
 */
export function resolveRuntimeDir(projectDir: string, runtimeDir: string | undefined): string {
  const dir = resolve(projectDir, runtimeDir ?? DEFAULT_RUNTIME_DIR);
  return isSharedStickyDir(dir) ? privateSubdirectory(dir) : dir;
}

/**
 * Refuses (a RuntimeDirError, one line) an existing directory others can write to, or one
 * that is not a directory, or one that belongs to someone else: another user could
 * read or swap the connection files. Its mode is left as it is.
 */
function checkExistingDir(dir: string): void {
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new RuntimeDirError(`runtime directory ${dir} is not a directory`);
  const uid = ourUid();
  if (uid === undefined) return;
  const others = (stat.mode & WRITABLE_BY_OTHERS) !== 0;
  if (stat.uid !== uid && others) {
    throw new RuntimeDirError(
      `runtime directory ${dir} is writable by others and not owned by you (uid ${stat.uid}); choose a private one`,
    );
  }
  if (others) {
    throw new RuntimeDirError(
      `runtime directory ${dir} is writable by others (mode ${(stat.mode & 0o7777).toString(8)}); jaffle will not change it: choose a private one`,
    );
  }
  if (stat.uid !== uid) throw new RuntimeDirError(`runtime directory ${dir} belongs to uid ${stat.uid}, not to you`);
}

/** Creates the directory 0700 if it does not exist; checks it (without changing it) if it does. */
function ensureRuntimeDir(dir: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // Ours: mkdir's mode is masked by umask, so set it; never an existing directory's.
  if (created !== undefined) chmodSync(dir, 0o700);
  else checkExistingDir(dir);
}

function readLockPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Files a supervisor writes into its runtime directory (and so may remove). */
function isOurFile(name: string): boolean {
  return (
    name === STATUS_FILE ||
    name === LOCK_FILE ||
    // The control socket and its token (src/control/server.ts).
    name === "control.sock" ||
    name === "control.token" ||
    kernelOfConnectionFile(name) !== undefined ||
    // The Node kernel's history, kept beside its connection file: it lasts as long as the
    // run (kernel restarts included); a Node kernel started by Jupyter keeps it for good.
    name === NODE_KERNEL_HISTORY_FILE ||
    /^status\.json\.\d+\.tmp$/.test(name)
  );
}

/** Looks at a runtime directory without changing it. */
export function inspectRuntimeDir(dir: string): PreviousRun {
  const status = readStatus(dir);
  const pid = readLockPid(dir) ?? status?.pid;
  if (pid !== undefined && isJaffleRunning(pid)) return { kind: "running", pid };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { kind: "none" };
  }
  return names.some(isOurFile) ? { kind: "stale", pid } : { kind: "none" };
}

/**
 * Removes the files a supervisor writes (status, lock, connection files), then the
 * directory itself if nothing else is in it. Files of other tools are left alone.
 */
export function removeRuntimeFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  // The lock goes last: until it is gone, nobody else takes the directory.
  for (const name of names.filter((n) => isOurFile(n) && n !== LOCK_FILE)) rmSync(join(dir, name), { force: true });
  rmSync(join(dir, LOCK_FILE), { force: true });
  try {
    rmdirSync(dir);
  } catch {
    /* not empty or already gone: keep it */
  }
}

export interface RuntimeDir {
  readonly path: string;
  /** What was there before we took it (a stale run is reported so the caller can log it). */
  readonly previous: PreviousRun;
  /** Where the launcher writes the connection file of kernel `name`. */
  connectionFile(kernelName: string): string;
  writeStatus(status: RuntimeStatus): void;
  /** Removes every file we wrote and gives the directory up. */
  release(): void;
}

/**
 * What a previous supervisor left in `dir`; a RuntimeDirError when it still runs. `jaffle start`
 * asks this first, so a second start is refused before anything heavy is loaded.
 */
export function refuseIfRunning(dir: string): PreviousRun {
  const previous = inspectRuntimeDir(dir);
  if (previous.kind === "running") {
    throw new RuntimeDirError(
      `jaffle is already running in this directory (pid ${previous.pid}, runtime dir ${dir}); stop it with "jaffle stop"`,
    );
  }
  return previous;
}

/**
 * Takes the runtime directory for this process: creates it (0700) or checks the one that
 * exists, refuses when another jaffle runs there, clears a stale run's files, and
 * writes the lock.
 */
export function acquireRuntimeDir(dir: string): RuntimeDir {
  ensureRuntimeDir(dir);
  const previous = refuseIfRunning(dir);
  if (previous.kind === "stale") removeRuntimeFiles(dir);
  // Removing a stale run's files may have removed the (then empty) directory too.
  ensureRuntimeDir(dir);
  let fd: number;
  try {
    fd = openSync(join(dir, LOCK_FILE), "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another start won the race between our check and our create.
    const pid = readLockPid(dir);
    throw new RuntimeDirError(
      `jaffle is already running in this directory${pid ? ` (pid ${pid})` : ""}; stop it with "jaffle stop"`,
    );
  }
  writeSync(fd, `${process.pid}\n`);
  closeSync(fd);
  let released = false;
  return {
    path: dir,
    previous,
    connectionFile: (kernelName) => connectionFilePath(dir, kernelName),
    writeStatus: (status) => {
      if (!released) writeStatus(dir, status);
    },
    release: () => {
      if (released) return;
      released = true;
      removeRuntimeFiles(dir);
    },
  };
}
