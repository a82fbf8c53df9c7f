/**
 * Finds the kernel `jaffle console <kernel>` should attach to. A running `jaffle start`
 * writes `<runtimeDir>/kernel-<name>.json` for each kernel and lists them (with their
 * pids) in `<runtimeDir>/status.json`; the connection-file name is the contract, the
 * status file only adds the pid (so Ctrl-C can signal the kernel's process group).
 * A kernel on a Jupyter server has no connection file: the status file names its server
 * and kernel id instead (`remoteKernels`).
 */
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { JaffleError } from "../errors.js";
import { connectionFilePath, kernelOfConnectionFile } from "../runtime/connection-files.js";
import { readStatus, type RemoteKernelStatus } from "../runtime/status.js";
import { pidExists } from "../runtime/pid.js";

/** No kernel of that name can be reached through the runtime directory. */
export class KernelNotFoundError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

export type KernelLocation =
  | {
      connectionFile: string;
      /** The kernel's pid when the status file names it and it is alive. */
      pid?: number;
      remote?: undefined;
    }
  | {
      remote: RemoteKernelStatus;
      /** The running jaffle's project directory (its jaffle.hcl holds the gateway token). */
      projectDir: string;
    };

/** Names of the kernels with a connection file in the runtime directory. */
export function kernelsIn(runtimeDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(runtimeDir);
  } catch {
    return [];
  }
  return entries
    .map((entry) => kernelOfConnectionFile(entry))
    .filter((name): name is string => name !== undefined)
    .sort();
}

export function locateKernel(name: string, runtimeDir: string): KernelLocation {
  const dir = resolve(runtimeDir);
  const connectionFile = connectionFilePath(dir, name);
  const status = readStatus(dir);
  const stale = () =>
    new KernelNotFoundError(`jaffle (pid ${status!.pid}) is no longer running; ${runtimeDir} holds stale files`);
  const remote = status?.remoteKernels?.[name];
  if (status && remote) {
    if (!pidExists(status.pid)) throw stale();
    return { remote, projectDir: status.projectDir };
  }
  if (!existsSync(connectionFile)) {
    const available = [...kernelsIn(dir), ...Object.keys(status?.remoteKernels ?? {})].sort();
    if (available.length === 0) {
      throw new KernelNotFoundError(
        `no kernels are running in ${runtimeDir} (start them with \`jaffle start\`, or pass --existing FILE)`,
      );
    }
    throw new KernelNotFoundError(
      `no kernel named "${name}" in ${runtimeDir}; running kernels: ${available.join(", ")}`,
    );
  }
  if (status && !pidExists(status.pid)) throw stale();
  const pid = status?.kernels[name]?.pid;
  return pid !== undefined && pidExists(pid) ? { connectionFile, pid } : { connectionFile };
}
