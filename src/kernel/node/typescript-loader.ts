/**
 * TypeScript in the built-in kernel: tsx's ESM and CommonJS hooks, so cells and the
 * user's modules import and require `.ts`, `.mts` and `.cts` files with the project's
 * tsconfig, plus commonjs-exports-hook.ts, so `import()` of a CommonJS `.ts` file gives
 * its named exports in a `"type": "commonjs"` package as in a `"type": "module"` one.
 *
 * When: registering costs about three times Node's own start (tsx's modules, then the
 * hooks thread Node starts, during which this thread waits), so a project that does not
 * use TypeScript should not pay it. In a TypeScript project (a tsconfig.json in the
 * kernel's directory) the hooks are registered as soon as kernel_info is answered. In
 * any other project they are registered on first need:
 * - before a cell that imports a file (a relative, absolute or file: specifier that is
 *   not jaffle's own code), or imports a computed specifier;
 * - when a `.ts`, `.cts`, `.mts` or `.tsx` file is required: a stand-in handler for those
 *   extensions (which also lets `require("./lib")` find lib.ts, as with tsx) registers
 *   tsx's CommonJS hook on the spot, hands the file to it, and registers the rest.
 * A JavaScript module of such a project that imports a `.ts` file by itself (not through
 * a cell) needs the hooks already: a tsconfig.json turns them on at start.
 */
import { existsSync } from "node:fs";
import Module, { createRequire, register } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scanImports, TYPESCRIPT_EXTENSIONS } from "./import-scan.js";
import type { CellPreparation } from "./node-kernel.js";

/** The hook module beside this one: .js from dist/, .ts when run from src/ under tsx. */
function hookUrl(): URL {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./commonjs-exports-hook${extension}`, import.meta.url);
}

type ExtensionHandler = (module: unknown, filename: string) => void;
/** Node's table of CommonJS loaders by extension (public in practice: tsx and ts-node use it). */
const commonJsExtensions = (Module as unknown as { _extensions: Record<string, ExtensionHandler | undefined> })
  ._extensions;

/** jaffle's own code (dist/src or src): the kernel's helpers, which are plain JavaScript. */
const jaffleCode = fileURLToPath(new URL("../../", import.meta.url));

/** Whether importing `specifier` may reach the project's own files (which may be TypeScript). */
function mayReachProjectFiles(specifier: string | undefined): boolean {
  if (specifier === undefined) return true;
  let path: string;
  if (specifier.startsWith("file:")) {
    try {
      path = fileURLToPath(specifier);
    } catch {
      return true;
    }
  } else if (specifier.startsWith("/")) {
    path = specifier;
  } else {
    return specifier.startsWith(".") || /\.[cm]?tsx?$/.test(specifier);
  }
  return !path.startsWith(jaffleCode);
}

/**
 * Whether a cell's code may import the project's own files (so perhaps TypeScript).
 * Its require() calls do not count: the stand-in handlers below cover those.
 */
export function importsProjectFiles(code: string): boolean {
  return scanImports(code).some(({ specifier, required }) => !required && mayReachProjectFiles(specifier));
}

export class TypeScriptLoader implements CellPreparation {
  private registered: Promise<void> | undefined;
  private commonJsRegistered = false;
  private readonly standIns = new Map<string, ExtensionHandler>();

  private constructor(
    /** Registered once kernel_info is answered, instead of on first need. */
    readonly atStart: boolean,
  ) {
    if (!atStart) this.registerOnFirstRequire();
  }

  /** The policy for a kernel running in `projectDir` (see the top of this file). */
  static forProject(projectDir: string): TypeScriptLoader {
    return new TypeScriptLoader(existsSync(join(projectDir, "tsconfig.json")));
  }

  /**
   * Registers every hook, once; resolves when they are in place. It blocks this thread
   * for a moment (Node starts its hooks thread).
   */
  register(): Promise<void> {
    this.registered ??= (async () => {
      const [{ register: registerEsm }, { register: registerCommonJs }] = await Promise.all([
        import("tsx/esm/api"),
        import("tsx/cjs/api"),
      ]);
      registerEsm();
      if (!this.commonJsRegistered) registerCommonJs();
      this.commonJsRegistered = true;
      this.dropStandIns();
      // Registered last, so it resolves first and sees what tsx resolved.
      register(hookUrl());
    })();
    return this.registered;
  }

  /** In a TypeScript project the hooks are registered now, while the client gets ready to send cells. */
  afterKernelInfo(): void {
    if (this.atStart) this.register().catch(() => undefined);
  }

  /** Resolves once `code` can run: the hooks are registered first when it imports project files. */
  beforeCell(code: string): Promise<void> {
    if (this.atStart || importsProjectFiles(code)) return this.register();
    return this.registered ?? Promise.resolve();
  }

  /**
   * Stand-in CommonJS handlers for TypeScript's extensions: the first file required
   * registers tsx's CommonJS hook synchronously (its CommonJS build, since require()
   * cannot wait) and is compiled by it; the ES module hooks follow.
   */
  private registerOnFirstRequire(): void {
    for (const extension of TYPESCRIPT_EXTENSIONS) {
      if (commonJsExtensions[extension] !== undefined) continue;
      const standIn: ExtensionHandler = (module, filename) => {
        if (!this.commonJsRegistered) {
          (createRequire(import.meta.url)("tsx/cjs/api") as typeof import("tsx/cjs/api")).register();
          this.commonJsRegistered = true;
          this.register().catch(() => undefined);
        }
        this.dropStandIns();
        const handler = commonJsExtensions[extension] ?? commonJsExtensions[".js"];
        if (handler === undefined) throw new Error(`no CommonJS loader for ${filename}`);
        handler(module, filename);
      };
      this.standIns.set(extension, standIn);
      commonJsExtensions[extension] = standIn;
    }
  }

  /**
   * Once tsx's CommonJS hook is in, the stand-ins go: tsx replaced some of them, and
   * compiles the other extensions through its `.js` handler, Node's fallback.
   */
  private dropStandIns(): void {
    for (const [extension, standIn] of this.standIns)
      if (commonJsExtensions[extension] === standIn) delete commonJsExtensions[extension];
    this.standIns.clear();
  }
}
