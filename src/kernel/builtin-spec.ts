/**
 * The kernelspec of the built-in Node.js kernel. A kernel block without `kernel_name`
 * starts it from this spec directly; `jaffle kernel install` writes it as `jaffle-node`
 * so that jupyter console, JupyterLab and jupyter_client can start it too.
 */
import { fileURLToPath } from "node:url";
import { jaffleBin } from "../paths.js";

export const BUILTIN_KERNEL_NAME = "jaffle-node";

export interface KernelSpec {
  /** The kernelspec's directory name. */
  name: string;
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode?: "signal" | "message";
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
  /** The directory the spec was read from (`{resource_dir}`); absent for the built-in spec. */
  resource_dir?: string;
}

export function builtinKernelSpec(): KernelSpec {
  return {
    name: BUILTIN_KERNEL_NAME,
    argv: [process.execPath, jaffleBin, "kernel", "--connection-file", "{connection_file}"],
    display_name: "Node.js (jaffle)",
    language: "javascript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/**
 * The spec jaffle itself starts the built-in kernel from: the same kernel, run from its
 * entry module (kernel/node/entry.js) instead of through the CLI, whose parser and command
 * table are start-up time a kernel does not need. Installed kernelspecs keep the CLI form
 * (builtinKernelSpec), a command that stays valid across versions of the package layout.
 * Run from the TypeScript sources (no entry.js beside this file), it is the CLI form.
 */
export function builtinLaunchSpec(): KernelSpec {
  const spec = builtinKernelSpec();
  if (!import.meta.url.endsWith(".js")) return spec;
  const entry = fileURLToPath(new URL("./node/entry.js", import.meta.url));
  return { ...spec, argv: [process.execPath, entry, "{connection_file}"] };
}
