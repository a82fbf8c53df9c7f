/**
 * Finding the program to run before spawning it, so a typo gives one clear line
 * ("command not found") instead of a child that prints execvp's error (node-pty) or
 * an asynchronous ENOENT that also blames a missing working directory.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `file`: relative to `cwd` when it contains a slash, else the
 * first match on `PATH`. Throws a one-line Error when there is none.
 */
export function resolveExecutable(file: string, cwd: string, env: NodeJS.ProcessEnv): string {
  if (file.includes("/")) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    if (isExecutableFile(path)) return path;
    throw new Error(`cannot run ${JSON.stringify(file)}: no executable file at ${path}`);
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(isAbsolute(dir) ? dir : resolve(cwd, dir), file);
    if (isExecutableFile(path)) return path;
  }
  throw new Error(`cannot run ${JSON.stringify(file)}: command not found on PATH`);
}

/** Throws a one-line Error unless `cwd` is an existing directory. */
export function checkWorkingDirectory(cwd: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new Error(`working directory ${cwd} does not exist`);
}
