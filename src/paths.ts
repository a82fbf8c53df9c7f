/** Where this package lives on disk, so the CLI can start its own kernel and helpers. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`jaffle: no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The directory holding jaffle's package.json (works from src/ via tsx and from dist/src/). */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The `jaffle` executable script; run it with `process.execPath`. */
export const jaffleBin = join(packageRoot, "bin", "jaffle.js");
