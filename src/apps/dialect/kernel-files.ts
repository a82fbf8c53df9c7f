/**
 * Where the kernel-side helpers are. TypeScript helpers are compiled beside their
 * callers (dist/src/...), or run as .ts from src/ under tsx, and are imported in the
 * Node kernel by file URL. Python helpers are not compiled: they are read from src/,
 * which a published package ships (package.json `files`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The URL of a sibling TypeScript module of `importMetaUrl` (`./node-runtime`), as .ts or .js like the caller. */
export function siblingModuleUrl(importMetaUrl: string, stem: string): string {
  const ext = importMetaUrl.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`${stem}${ext}`, importMetaUrl).href;
}

/**
 * The absolute path of a non-compiled file under src/ (`apps/dialect/jaffle_kernel.py`),
 * found next to the running module (from src/) or in the checkout's src/ (from dist/src/).
 */
export function sourceFile(pathUnderSrc: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  // This module is src/apps/dialect/kernel-files.ts or dist/src/apps/dialect/kernel-files.js.
  const candidates = [join(here, "..", "..", pathUnderSrc), join(here, "..", "..", "..", "..", "src", pathUnderSrc)];
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(`jaffle's kernel-side file ${pathUnderSrc} is missing (looked in ${candidates.join(", ")})`);
  return found;
}
