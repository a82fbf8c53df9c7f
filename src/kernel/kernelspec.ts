/**
 * Kernelspec discovery, as jupyter_client does it: `kernels/<name>/kernel.json` in the
 * Jupyter data path, first match wins. The path is JUPYTER_PATH (split on `:`), then
 * the user data dir (JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else
 * ~/.local/share/jupyter), then the system prefixes /usr/local/share/jupyter and
 * /usr/share/jupyter.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { BUILTIN_KERNEL_NAME, builtinLaunchSpec, type KernelSpec } from "./builtin-spec.js";

export type { KernelSpec } from "./builtin-spec.js";

/** The user's Jupyter data directory (where `jupyter kernelspec install --user` writes). */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const xdg = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(xdg, "jupyter");
}

/** Jupyter's runtime directory (connection files), as jupyter_core finds it. */
export function jupyterRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JUPYTER_RUNTIME_DIR || join(jupyterDataDir(env), "runtime");
}

/** The data directories searched for `kernels/`, most specific first. */
export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.JUPYTER_PATH ?? "").split(":").filter((dir) => dir !== "");
  const all = [...fromEnv, jupyterDataDir(env), "/usr/local/share/jupyter", "/usr/share/jupyter"];
  return [...new Set(all)];
}

/** Kernel names are directory names: letters, digits, `.`, `_`, `-` (as jupyter_client allows). */
const VALID_NAME = /^[a-z0-9._-]+$/i;

/** Reads one `kernel.json`; errors name the file and the field at fault. */
export function readKernelSpec(resourceDir: string, name: string): KernelSpec {
  const file = join(resourceDir, "kernel.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${file}: not a JSON object`);
  const obj = raw as Record<string, unknown>;
  const argv = obj.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === "string")) {
    throw new Error(`${file}: argv must be a non-empty list of strings`);
  }
  const env = obj.env ?? {};
  if (
    env === null ||
    typeof env !== "object" ||
    Array.isArray(env) ||
    !Object.values(env).every((v) => typeof v === "string")
  ) {
    throw new Error(`${file}: env must be an object of strings`);
  }
  const interruptMode = obj.interrupt_mode ?? "signal";
  if (interruptMode !== "signal" && interruptMode !== "message") {
    throw new Error(`${file}: interrupt_mode must be "signal" or "message"`);
  }
  return {
    name,
    argv: argv as string[],
    display_name: typeof obj.display_name === "string" ? obj.display_name : name,
    language: typeof obj.language === "string" ? obj.language : "",
    interrupt_mode: interruptMode,
    env: env as Record<string, string>,
    metadata:
      obj.metadata !== null && typeof obj.metadata === "object" ? (obj.metadata as Record<string, unknown>) : {},
    resource_dir: resourceDir,
  };
}

/**
 * Every installed kernelspec by name; a name found in several directories resolves to
 * the first (as in jupyter_client). Unreadable specs are skipped here so one broken
 * install does not hide the others; resolveKernelSpec reports them by name.
 */
export function findKernelSpecs(env: NodeJS.ProcessEnv = process.env): Map<string, KernelSpec> {
  const specs = new Map<string, KernelSpec>();
  for (const dir of jupyterDataPath(env)) {
    const kernelsDir = join(dir, "kernels");
    let entries: string[];
    try {
      entries = readdirSync(kernelsDir);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const name = entry.toLowerCase();
      if (specs.has(name) || !VALID_NAME.test(entry)) continue;
      const resourceDir = join(kernelsDir, entry);
      try {
        if (!statSync(resourceDir).isDirectory() || !existsSync(join(resourceDir, "kernel.json"))) continue;
        specs.set(name, readKernelSpec(resourceDir, name));
      } catch {
        continue;
      }
    }
  }
  return specs;
}

/**
 * The spec to start for a kernel block: none named → the built-in Node kernel; an
 * installed name → its spec (an installed `jaffle-node` wins over the built-in one, so a
 * customised install is honoured); anything else → an error listing what is installed.
 */
export function resolveKernelSpec(name?: string, env: NodeJS.ProcessEnv = process.env): KernelSpec {
  if (name === undefined || name === "") return builtinLaunchSpec();
  const specs = findKernelSpecs(env);
  const found = specs.get(name.toLowerCase());
  if (found) return found;
  if (name === BUILTIN_KERNEL_NAME) return builtinLaunchSpec();
  for (const dir of jupyterDataPath(env)) {
    const resourceDir = join(dir, "kernels", name);
    if (existsSync(join(resourceDir, "kernel.json"))) readKernelSpec(resourceDir, name); // throws the precise error
  }
  const installed = [...new Set([...specs.keys(), BUILTIN_KERNEL_NAME])].sort();
  throw new Error(`no kernel named ${JSON.stringify(name)}; installed kernels: ${installed.join(", ")}`);
}

/**
 * The spec's argv with `{connection_file}` and `{resource_dir}` filled in. (jupyter_client
 * also knows `{prefix}`, its Python's sys.prefix, which has no meaning here: left as is.)
 */
export function kernelArgv(spec: KernelSpec, connectionFile: string): string[] {
  const values = { connection_file: connectionFile, resource_dir: spec.resource_dir ?? "" };
  return spec.argv.map((arg) =>
    arg.replace(/\{(connection_file|resource_dir)\}/g, (_, key: keyof typeof values) => values[key]),
  );
}

/**
 * The spec's `env`, with `${VAR}` references resolved against `base` (jupyter_client
 * substitutes them the same way; an unknown variable is left as written).
 */
export function kernelSpecEnv(spec: KernelSpec, base: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    out[key] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => base[name] ?? whole);
  }
  return out;
}
