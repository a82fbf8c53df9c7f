/**
 * Finds the kernel `jaffle console <kernel>` should attach to. A running `jaffle start`
 * writes `<runtimeDir>/kernel-<name>.json` for each kernel and lists them (with their
 * pids) in `<runtimeDir>/status.json`; the connection-file name is the contract, the
 * status file only adds the pid (so Ctrl-C can signal the kernel's process group).
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../cli/errors.js";
import { pidExists } from "../runtime/pid.js";
import { readStatus } from "../runtime/status.js";

export interface KernelLocation {
  connectionFile: string;
  /** The kernel's pid when the status file names it and it is alive. */
  pid?: number;
}

/** Names of the kernels with a connection file in the runtime directory. */
export function kernelsIn(runtimeDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(runtimeDir);
  } catch {
    return [];
  }
  return entries
    .map((entry) => /^kernel-(.+)\.json$/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

export function locateKernel(name: string, runtimeDir: string): KernelLocation {
  const dir = resolve(runtimeDir);
  const connectionFile = join(dir, `kernel-${name}.json`);
  if (!existsSync(connectionFile)) {
    const available = kernelsIn(dir);
    if (available.length === 0) {
      throw new UserError(
        `no kernels are running in ${runtimeDir} (start them with \`jaffle start\`, or pass --existing FILE)`,
      );
    }
    throw new UserError(`no kernel named "${name}" in ${runtimeDir}; running kernels: ${available.join(", ")}`);
  }
  const status = readStatus(dir);
  if (status && !pidExists(status.pid)) {
    throw new UserError(`jaffle (pid ${status.pid}) is no longer running; ${runtimeDir} holds stale files`);
  }
  const pid = status?.kernels[name]?.pid;
  return pid !== undefined && pidExists(pid) ? { connectionFile, pid } : { connectionFile };
}
