/**
 * jaffle's helpers inside a Node kernel (and in the server bridge's worker threads),
 * imported by file URL (see javascript.ts). The supervisor sends one-line calls into
 * this module instead of building the logic as code strings.
 */
import { createRequire } from "node:module";
import { isAbsolute, resolve, sep } from "node:path";

/**
 * Evicts CommonJS modules from `require.cache` (ES modules cannot be evicted; the
 * server bridge imports them through a fresh loader namespace instead). A name is a
 * path (`./src/lib`, absolute: every module file under it) or a package name (its files
 * under any node_modules). `undefined`: every module file of the project outside
 * node_modules. Returns how many entries were removed.
 */
export function evictRequireCache(projectDir: string, names: readonly string[] | undefined): number {
  const cache = createRequire(import.meta.url).cache;
  const root = projectDir.endsWith(sep) ? projectDir : projectDir + sep;
  const isPath = (n: string) => n.startsWith(".") || isAbsolute(n);
  const paths = (names ?? []).filter(isPath).map((n) => resolve(projectDir, n));
  const packages = (names ?? []).filter((n) => !isPath(n)).map((n) => `${sep}node_modules${sep}${n}${sep}`);
  let evicted = 0;
  for (const key of Object.keys(cache)) {
    const hit =
      names === undefined
        ? key.startsWith(root) && !key.includes(`${sep}node_modules${sep}`)
        : paths.some((p) => key === p || key.startsWith(p + sep) || key.startsWith(p + ".")) ||
          packages.some((p) => key.includes(p));
    if (hit) {
      delete cache[key];
      evicted++;
    }
  }
  return evicted;
}

/** `clear_cache` of a code block: evicts the named modules, printing nothing. */
export function clearModuleCache(names: readonly string[], projectDir: string): void {
  evictRequireCache(projectDir, names);
}

/**
 * A Jaffle in-kernel app written in JavaScript: `new (namespace[exportName])(conf)`.
 * The module is imported by the cell itself (see javascript.ts), so a package name
 * resolves from the project as any cell's import does, not from jaffle's own files.
 */
export function createApp(
  namespace: Record<string, unknown>,
  exportName: string,
  conf: Record<string, unknown>,
  where: string,
): unknown {
  const Cls = namespace[exportName];
  if (typeof Cls !== "function") throw new TypeError(`${where} has no class export "${exportName}"`);
  return new (Cls as new (conf: Record<string, unknown>) => unknown)(conf);
}
