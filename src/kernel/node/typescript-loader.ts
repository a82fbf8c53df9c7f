/**
 * TypeScript in the built-in kernel: tsx's ESM and CommonJS hooks, so cells and the
 * user's modules import and require `.ts`, `.mts` and `.cts` files with the project's
 * tsconfig, plus commonjs-exports-hook.ts, so `import()` of a CommonJS `.ts` file gives
 * its named exports in a `"type": "commonjs"` package as in a `"type": "module"` one.
 */
import { register } from "node:module";
import { register as registerTsxCommonJs } from "tsx/cjs/api";
import { register as registerTsxEsm } from "tsx/esm/api";

/** The hook module beside this one: .js from dist/, .ts when run from src/ under tsx. */
function hookUrl(): URL {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./commonjs-exports-hook${extension}`, import.meta.url);
}

/** Registers the hooks (once per process; it blocks for about half a second). */
export function registerTypeScriptLoader(): void {
  registerTsxEsm();
  registerTsxCommonJs();
  // Registered last, so it resolves first and sees what tsx resolved.
  register(hookUrl());
}
