/**
 * `jaffle kernel install`: writes the built-in kernel's kernelspec where Jupyter looks for
 * kernels, so jupyter console, JupyterLab and jupyter_client can start it by name. The
 * argv holds absolute paths (this Node and this package's bin), because Jupyter starts
 * kernels with whatever PATH and working directory it happens to have.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BUILTIN_KERNEL_NAME, builtinKernelSpec } from "../builtin-spec.js";
import { jupyterDataDir } from "../kernelspec.js";

export type InstallTarget = { kind: "user" } | { kind: "prefix"; prefix: string };

export interface InstallOptions {
  target: InstallTarget;
  /** The kernelspec's directory name (default jaffle-node). */
  name?: string;
  env?: NodeJS.ProcessEnv;
}

const VALID_NAME = /^[a-z0-9._-]+$/i;

/** The Jupyter data directory a target means (`--user` or `--prefix DIR`). */
export function installDataDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  return target.kind === "user" ? jupyterDataDir(env) : join(resolve(target.prefix), "share", "jupyter");
}

/** Writes `kernels/<name>/kernel.json`; resolves with the kernelspec's directory. */
export async function installKernelSpec(options: InstallOptions): Promise<string> {
  const name = options.name ?? BUILTIN_KERNEL_NAME;
  if (!VALID_NAME.test(name)) {
    throw new Error(`--name ${JSON.stringify(name)}: a kernel name has only letters, digits, ".", "_" and "-"`);
  }
  const { argv, display_name, language, interrupt_mode, env, metadata } = builtinKernelSpec();
  const spec = { argv, display_name, language, interrupt_mode, ...(env ? { env } : {}), metadata };
  const directory = join(installDataDir(options.target, options.env), "kernels", name);
  await mkdir(directory, { recursive: true });
  // Jupyter reinstalls by overwriting; a spec has no secrets, so the usual 0644.
  const file = join(directory, "kernel.json");
  await writeFile(file, JSON.stringify(spec, null, 2) + "\n");
  await chmod(file, 0o644);
  return directory;
}
