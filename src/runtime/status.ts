/**
 * The status file (`<runtime dir>/status.json`): what a running supervisor has started,
 * for `jaffle status`, `jaffle stop` and anyone who wants to attach to a kernel. It is
 * rewritten whole on every change (write, fsync, rename), so a reader never sees half a
 * file, and kept mode 0600 because it names the connection files.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

export const STATUS_FILE = "status.json";

/** restarting: it died and is being started again; failed: given up on. */
export type KernelState = "starting" | "running" | "restarting" | "failed" | "stopped";

export interface KernelStatus {
  state: KernelState;
  /** Why it failed (state failed only). */
  reason?: string;
  connectionFile: string;
  /** The kernel process (leader of its own process group): the current one, or the last. */
  pid: number;
  language: string;
  restarts: number;
}

export type AppStateName = "starting" | "running" | "failed" | "stopped";
/** A kernel on a Jupyter Server or gateway (issue 15): no connection file, no process here. */
export interface RemoteKernelStatus {
  /** The server's base URL (never with a token). */
  server: string;
  /** The kernel's id on that server. */
  kernelId: string;
  language: string;
  restarts: number;
}

export interface AppStatus {
  kernel: string;
  class: string;
  state: AppStateName;
  /** One line: the user's error and location (state failed only). */
  reason?: string;
  /** ISO 8601 time of the last state change. */
  since: string;
}

/** As ManagedProcess reports it (backoff: waiting to be restarted). */
export type ProcessState = "starting" | "running" | "backoff" | "exited" | "failed" | "stopped";

export interface ProcessStatus {
  /** The current process (leader of its own group); null while not running. */
  pid: number | null;
  state: ProcessState;
  restarts: number;
  /** ISO 8601 time the current process started; null while none runs. */
  startedAt: string | null;
}

export interface RuntimeStatus {
  /** The supervisor's pid. */
  pid: number;
  /** ISO 8601 time the supervisor started. */
  startedAt: string;
  projectDir: string;
  kernels: Record<string, KernelStatus>;
  /** Kernels on a Jupyter server, by block name (a name is in `kernels` or here, never both). */
  remoteKernels?: Record<string, RemoteKernelStatus>;
  apps: Record<string, AppStatus>;
  processes: Record<string, ProcessStatus>;
}

export function statusPath(runtimeDir: string): string {
  return join(runtimeDir, STATUS_FILE);
}

/** Writes the whole status atomically: a reader sees the old file or the new one. */
export function writeStatus(runtimeDir: string, status: RuntimeStatus): void {
  const target = statusPath(runtimeDir);
  // The temp name carries our pid so two writers (a stale run being cleaned, a new one)
  // never share a temp file.
  const temp = `${target}.${process.pid}.tmp`;
  // fsync before the rename: after a crash the file is the old one or the new one, never
  // an empty one (a rename can reach the disk before the data it names).
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(status, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

/** The status file, or undefined when there is none or it is not a status file. */
export function readStatus(runtimeDir: string): RuntimeStatus | undefined {
  let text: string;
  try {
    text = readFileSync(statusPath(runtimeDir), "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<RuntimeStatus>;
    if (typeof value.pid !== "number" || typeof value.startedAt !== "string") return undefined;
    return {
      pid: value.pid,
      startedAt: value.startedAt,
      projectDir: value.projectDir ?? "",
      kernels: value.kernels ?? {},
      remoteKernels: value.remoteKernels ?? {},
      apps: value.apps ?? {},
      processes: value.processes ?? {},
    };
  } catch {
    return undefined;
  }
}
