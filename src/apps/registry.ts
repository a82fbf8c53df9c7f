/**
 * Finds the class named by an app block's `class`:
 *   - built-ins, under Jaffle's names and TypeScript-native ones;
 *   - a user's TypeScript-native plugin, `./plugins/notify.ts#NotifyApp` (the default
 *     export without `#`), loaded in the supervisor through tsx;
 *   - anything else is a Jaffle app written in the kernel's language and created there
 *     (`pkg.module.Class` in Python; `kernel:./apps/x.mjs#X` or `pkg#X` in the Node kernel).
 * A plugin path must start with `.` or `/`, or end in a JS/TS extension, so a dotted
 * Python class name is never mistaken for a file.
 */
import { existsSync } from "node:fs";
import { isAbsolute, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { AppConstructor } from "./api.js";
import { builtinDescriptor } from "./catalog.js";
import { inKernelAppClass } from "./in-kernel-app.js";
import { modulePath, parseModuleRef } from "./module-ref.js";

const PLUGIN_FILE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

function isPluginReference(className: string): boolean {
  const modulePart = parseModuleRef(className).module;
  return (
    modulePart.startsWith("./") ||
    modulePart.startsWith("../") ||
    isAbsolute(modulePart) ||
    PLUGIN_FILE.test(modulePart)
  );
}

async function loadPlugin(className: string, projectDir: string): Promise<AppConstructor> {
  const ref = parseModuleRef(className);
  const { exportName } = ref;
  const path = modulePath(ref, projectDir);
  if (!existsSync(path)) throw new Error(`plugin module ${path} does not exist`);
  // tsx costs about as much as starting Node: loaded for plugins only, never for built-ins.
  const { tsImport } = await import("tsx/esm/api");
  const module = (await tsImport(pathToFileURL(path).href, pathToFileURL(projectDir + sep).href)) as Record<
    string,
    unknown
  >;
  let value = module[exportName];
  // A CommonJS module (a .ts file outside a "type": "module" package) arrives as `default`.
  const cjs = module["default"] as Record<string, unknown> | undefined;
  if (value === undefined && exportName !== "default") value = cjs?.[exportName];
  if (exportName === "default" && value && typeof value === "object" && typeof cjs?.["default"] === "function")
    value = cjs["default"];
  if (typeof value !== "function") throw new Error(`plugin module ${path} has no class export "${exportName}"`);
  return value as AppConstructor;
}

/**
 * Starts loading a built-in app's class (a no-op for any other name), so that the
 * supervisor has it by the time its kernel is up.
 */
export function preloadBuiltinAppClass(className: string): void {
  builtinDescriptor(className.trim())
    ?.load()
    .catch(() => undefined);
}

/**
 * Resolves an app block's `class`. Rejects with a one-line message naming the class for
 * a missing plugin file or export; an in-kernel class is only checked when created.
 */
export async function resolveAppClass(
  className: string,
  projectDir: string,
  kernelLanguage: string,
): Promise<AppConstructor> {
  void kernelLanguage;
  const name = className.trim();
  const builtin = builtinDescriptor(name);
  if (builtin) return builtin.load();
  // `kernel:./apps/x.mjs#X`: a JavaScript app to create inside the Node kernel, where a
  // bare path would mean a supervisor-side plugin.
  if (name.startsWith("kernel:")) return inKernelAppClass(name.slice("kernel:".length));
  if (isPluginReference(name)) return loadPlugin(name, projectDir);
  if (!/^[A-Za-z_][\w.]*$/.test(name) && !name.includes("#"))
    throw new Error(
      `class "${className}": not a built-in app, a plugin path (./x.ts#Name) or a class name in the kernel's language`,
    );
  return inKernelAppClass(name);
}
