/**
 * One chokidar watcher turned into Jaffle's event stream: `created`, `modified`,
 * `deleted` and `moved` with `src_path` relative to the project directory.
 *
 * Editors' saves are normalised: chokidar's `atomic` mode turns "unlink then add again
 * within 100 ms" (write a temp file, rename it over the target) into one `change`, and
 * the default ignores drop the temp and swap files themselves. A rename is reported as
 * `moved` when a new file appears with the inode of a known file that is gone (chokidar
 * itself only reports unlink + add).
 */
import { watch, type FSWatcher } from "chokidar";
import { existsSync, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { WatchdogEvent } from "../api.js";

/** Directory names never worth watching in a development tree. */
export const DEFAULT_IGNORED_DIRECTORIES = [
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "__pycache__",
  ".mypy_cache",
  ".pytest_cache",
  ".jaffle",
];

/** Editor artefacts: vim swap/backup files and its 4913 probe, emacs lock files, `~` backups. */
const EDITOR_FILE = /(^\.#)|(~$)|(\.sw[a-p]$)|(^4913$)|(^\.~lock\.)|(\.tmp\.\d+$)/;

export function isDefaultIgnored(absPath: string, runtimeDir: string | undefined): boolean {
  if (runtimeDir && (absPath === runtimeDir || absPath.startsWith(runtimeDir + sep))) return true;
  const parts = absPath.split(sep);
  if (parts.some((part) => DEFAULT_IGNORED_DIRECTORIES.includes(part))) return true;
  return EDITOR_FILE.test(basename(absPath));
}

/** A raw event with absolute paths, before pattern matching. */
export interface RawEvent {
  type: WatchdogEvent["event_type"];
  path: string;
  destPath?: string;
  isDirectory: boolean;
}

export function toWatchdogEvent(raw: RawEvent, projectDir: string): WatchdogEvent {
  const event: WatchdogEvent = {
    event_type: raw.type,
    src_path: relative(projectDir, raw.path) || ".",
    is_directory: raw.isDirectory,
  };
  if (raw.destPath !== undefined) event.dest_path = relative(projectDir, raw.destPath) || ".";
  return event;
}

export interface DirectoryWatcher {
  /** Resolves once the initial scan is done and events are being reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function watchDirectory(
  root: string,
  options: { runtimeDir?: string; onEvent: (event: RawEvent) => void; onError: (error: Error) => void },
): DirectoryWatcher {
  /** Inode of every file seen, both ways, to recognise renames. */
  const inodeOf = new Map<string, number>();
  const pathOf = new Map<number, string>();
  /** Sources of recognised moves whose (delayed) unlink must be swallowed. */
  const movedAway = new Set<string>();
  /** mtime of each known file when it was last reported (or first seen). */
  const mtimeOf = new Map<string, number>();
  let scanned = false;
  const watcher: FSWatcher = watch(root, {
    // The initial scan's `add` events only fill the inode table (see `scanned`).
    ignoreInitial: false,
    atomic: true,
    alwaysStat: true,
    persistent: true,
    ignored: (path: string) => isDefaultIgnored(path, options.runtimeDir),
  });
  const remember = (path: string, stats?: Stats) => {
    if (stats) mtimeOf.set(path, stats.mtimeMs);
    const ino = stats?.ino;
    if (!ino) return;
    const previous = inodeOf.get(path);
    if (previous !== undefined && pathOf.get(previous) === path) pathOf.delete(previous);
    inodeOf.set(path, ino);
    pathOf.set(ino, path);
  };
  const forget = (path: string) => {
    mtimeOf.delete(path);
    const ino = inodeOf.get(path);
    inodeOf.delete(path);
    if (ino !== undefined && pathOf.get(ino) === path) pathOf.delete(ino);
  };
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    watcher.once("ready", () => {
      scanned = true;
      resolveReady();
    });
    watcher.once("error", (error: unknown) => rejectReady(error instanceof Error ? error : new Error(String(error))));
  });
  watcher.on("add", (path: string, stats?: Stats) => {
    if (!scanned) {
      remember(path, stats);
      return;
    }
    const ino = stats?.ino;
    const other = ino ? pathOf.get(ino) : undefined;
    if (other !== undefined && other !== path && !existsSync(other)) {
      forget(other);
      remember(path, stats);
      movedAway.add(other);
      options.onEvent({ type: "moved", path: other, destPath: path, isDirectory: false });
      return;
    }
    remember(path, stats);
    options.onEvent({ type: "created", path, isDirectory: false });
  });
  const modified = (path: string, stats?: Stats) => {
    // Reported once per content change: chokidar's event and our raw-event check below
    // may both see the same write.
    if (stats && mtimeOf.get(path) === stats.mtimeMs && inodeOf.get(path) === stats.ino) return;
    // A temp file renamed over `path` (an editor's atomic save): its own unlink is noise.
    const ino = stats?.ino;
    const temp = ino ? pathOf.get(ino) : undefined;
    if (temp !== undefined && temp !== path && !existsSync(temp)) {
      forget(temp);
      movedAway.add(temp);
    }
    remember(path, stats);
    options.onEvent({ type: "modified", path, isDirectory: false });
  };
  watcher.on("change", (path: string, stats?: Stats) => modified(path, stats));
  // chokidar (v4/v5 on Linux) drops a write that follows a read of the file it watches:
  // its "only the access time changed" test compares atime with mtime, and a reader (the
  // server reloading the file) moves atime past the next write's mtime. Every raw
  // fs.watch change of a known file is therefore checked against the last reported mtime.
  watcher.on("raw", (event: string, name: string, details: unknown) => {
    const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (!scanned || event !== "change" || typeof watched !== "string") return;
    const path = basename(watched) === name ? watched : join(watched, name);
    if (!mtimeOf.has(path)) return;
    stat(path).then(
      (stats) => {
        if (stats.isFile() && mtimeOf.has(path)) modified(path, stats);
      },
      () => undefined,
    );
  });
  watcher.on("unlink", (path: string) => {
    forget(path);
    if (movedAway.delete(path)) return;
    options.onEvent({ type: "deleted", path, isDirectory: false });
  });
  watcher.on("addDir", (path: string) => scanned && options.onEvent({ type: "created", path, isDirectory: true }));
  watcher.on("unlinkDir", (path: string) => options.onEvent({ type: "deleted", path, isDirectory: true }));
  watcher.on("error", (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
  return {
    ready,
    close: () => watcher.close(),
  };
}
