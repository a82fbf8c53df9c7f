/**
 * Code that evicts modules from a kernel's module cache before code is reloaded
 * (`clear_cache` of WatchdogApp and the server bridge).
 * Python: entries of `sys.modules` named NAME or NAME.sub.
 * JavaScript: `require.cache` entries (CommonJS; ES modules are reloaded through a fresh
 * loader namespace by the server bridge instead, since Node has no ESM cache eviction).
 * A JavaScript name is either a path (`./src/lib`, absolute) meaning every module file
 * under it, or a package name meaning its files under any node_modules.
 */
import { isAbsolute, resolve, sep } from "node:path";
import { languageFamily } from "./kernel-literal.js";

export function pythonClearCacheCode(names: readonly string[]): string {
  return [
    "def __jaffle_clear_cache(names):",
    "    import importlib, os, sys",
    "    for n in [m for m in list(sys.modules) if any(m == x or m.startswith(x + '.') for x in names)]:",
    "        cached = getattr(sys.modules.pop(n, None), '__cached__', None)",
    // A .pyc keeps the source's mtime in whole seconds and its size: a same-size save in
    // the same second would import stale bytecode.
    "        if cached and os.path.exists(cached):",
    "            try: os.remove(cached)",
    "            except OSError: pass",
    "    importlib.invalidate_caches()",
    `__jaffle_clear_cache(${JSON.stringify(names)})`,
    "del __jaffle_clear_cache",
  ].join("\n");
}

/** Turns JavaScript `clear_cache` names into absolute path prefixes and package markers. */
export function javascriptCachePrefixes(
  names: readonly string[],
  projectDir: string,
): { paths: string[]; packages: string[] } {
  const paths: string[] = [];
  const packages: string[] = [];
  for (const name of names) {
    if (name.startsWith(".") || isAbsolute(name)) paths.push(resolve(projectDir, name));
    else packages.push(`${sep}node_modules${sep}${name}${sep}`);
  }
  return { paths, packages };
}

export function javascriptClearCacheCode(names: readonly string[], projectDir: string): string {
  const { paths, packages } = javascriptCachePrefixes(names, projectDir);
  // process.getBuiltinModule works in CommonJS and ES module cells alike (Node >= 20.16).
  return `{
  const cache = process.getBuiltinModule("node:module").createRequire(process.cwd() + "/").cache;
  const paths = ${JSON.stringify(paths)};
  const packages = ${JSON.stringify(packages)};
  for (const key of Object.keys(cache)) {
    if (paths.some((p) => key === p || key.startsWith(p + ${JSON.stringify(sep)}) || key.startsWith(p + ".")) || packages.some((p) => key.includes(p))) delete cache[key];
  }
}`;
}

export function clearCacheCode(names: readonly string[], language: string, projectDir: string): string {
  return languageFamily(language) === "python"
    ? pythonClearCacheCode(names)
    : javascriptClearCacheCode(names, projectDir);
}
