/**
 * Where a kernel's connection file lives in the runtime directory: `kernel-<name>.json`.
 * The name is the contract between `jaffle start` (which writes it), `jaffle console`
 * and `jaffle attach` (which look it up) and any Jupyter client a person points at it.
 */
import { join } from "node:path";

const PATTERN = /^kernel-(.+)\.json$/;

/** The connection file of kernel block `kernelName` in `runtimeDir`. */
export function connectionFilePath(runtimeDir: string, kernelName: string): string {
  return join(runtimeDir, `kernel-${kernelName}.json`);
}

/** The kernel name a runtime-directory entry is the connection file of, if it is one. */
export function kernelOfConnectionFile(fileName: string): string | undefined {
  return PATTERN.exec(fileName)?.[1];
}

/**
 * The file the built-in Node kernel keeps its history in, beside its connection file
 * (src/kernel/node/history-store.ts). In jaffle's runtime directory it is removed with the
 * run's other files.
 */
export const NODE_KERNEL_HISTORY_FILE = "jaffle-node-history.jsonl";
