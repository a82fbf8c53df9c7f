/**
 * Loads the user's server class named by `app_class` (`./src/app.ts#ExampleApp`; the
 * default export without `#`) for the Node runtime, reloading the project's code on
 * every call: CommonJS modules are evicted from `require.cache` first, and ES modules
 * (and TypeScript) are imported through tsx with the project's own modules marked as a
 * new generation (reload-hooks.ts), which gives them a new module graph (Node cannot
 * evict ES modules) while packages stay loaded. A worker thread's first load is fresh
 * anyway and goes through a namespace it warmed beforehand (warmLoader).
 *
 * The first load of a JavaScript ES module goes through Node's own loader instead: a
 * first tsx namespace costs several times the load itself (tsx's modules, and the hooks
 * thread Node starts), and a first load needs no fresh graph. Restarts pay it once.
 */
import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { register as registerModuleHooks } from "node:module";
import { siblingModuleUrl } from "../dialect/kernel-files.js";
import { modulePath, parseModuleRef } from "../module-ref.js";
import { GENERATION_PARAM, type ReloadHooksData } from "./reload-hooks.js";

export interface AppClassRef {
  /** Absolute path of the module. */
  modulePath: string;
  exportName: string;
}

export function parseAppClass(appClass: string, projectDir: string): AppClassRef {
  const ref = parseModuleRef(appClass, "app_class");
  return { modulePath: modulePath(ref, projectDir), exportName: ref.exportName };
}

export type ServerAppInstance = { start(): unknown; stop?(): unknown; server?: unknown };
export type ServerAppClass = new (argv: string[]) => ServerAppInstance;

export interface LoadedClass {
  cls: ServerAppClass;
  /** Unregisters the CommonJS loader namespace that loaded it (nothing for ES modules); call after the app has stopped. */
  release(): Promise<void>;
}

function pickExport(namespace: Record<string, unknown>, ref: AppClassRef, appClass: string): ServerAppClass {
  let value = namespace[ref.exportName];
  // A CommonJS module imported from ESM: its exports object is the default export.
  if (value === undefined && ref.exportName !== "default") {
    const cjs = namespace["default"] as Record<string, unknown> | undefined;
    value = cjs?.[ref.exportName];
  }
  // `export default class` of a CommonJS-compiled TypeScript module arrives one level down.
  if (
    ref.exportName === "default" &&
    value &&
    typeof value === "object" &&
    typeof (value as Record<string, unknown>)["default"] === "function"
  ) {
    value = (value as Record<string, unknown>)["default"];
  }
  if (typeof value !== "function") {
    throw new TypeError(`app_class "${appClass}": ${ref.modulePath} has no class export "${ref.exportName}"`);
  }
  return value as ServerAppClass;
}

/** Imports ES modules (TypeScript included) through tsx's hooks, in a namespace of our own. */
export interface EsmLoader {
  import(url: string, parentURL: string): Promise<unknown>;
}

/** A tsx ES module namespace: its hooks apply only to what is imported through it. */
export async function tsxNamespace(namespace: string): Promise<EsmLoader> {
  const { register } = await import("tsx/esm/api");
  return register({ namespace });
}

/** The tsx namespace of the kernel loop's bridges (see reload-hooks.ts). */
const RELOAD_NAMESPACE = "jaffle-server-bridge";

/**
 * The kernel loop's loader, one per process: tsx's hooks in one namespace, with
 * reload-hooks.ts registered after them (so it resolves first and sees what tsx
 * resolved). Each import is a new generation of the project's own modules.
 */
class ReloadingLoader implements EsmLoader {
  private readonly generation = new Int32Array(new SharedArrayBuffer(4));
  private constructor(private readonly tsx: EsmLoader) {}

  static async register(): Promise<ReloadingLoader> {
    const tsx = await tsxNamespace(RELOAD_NAMESPACE);
    const loader = new ReloadingLoader(tsx);
    const data: ReloadHooksData = { generation: loader.generation, namespace: RELOAD_NAMESPACE };
    registerModuleHooks(siblingModuleUrl(import.meta.url, "./reload-hooks"), { data });
    return loader;
  }

  import(url: string, parentURL: string): Promise<unknown> {
    const generation = Atomics.add(this.generation, 0, 1) + 1;
    const fresh = new URL(url);
    fresh.searchParams.set(GENERATION_PARAM, String(generation));
    return this.tsx.import(fresh.href, parentURL);
  }
}

let reloading: Promise<ReloadingLoader> | undefined;

/**
 * The kernel loop's loader, registered on first use (which blocks the thread for a few
 * milliseconds while Node's hooks thread takes the hooks): by a TypeScript app's first
 * start, or a JavaScript app's first restart. A failed registration is tried again by
 * the next load.
 */
export function reloadingLoader(): Promise<EsmLoader> {
  if (reloading === undefined) {
    const registering = ReloadingLoader.register();
    reloading = registering;
    registering.catch(() => {
      if (reloading === registering) reloading = undefined;
    });
  }
  return reloading;
}

/** Module URLs already imported through Node's own loader, which keeps them for good. */
const importedByNode = new Set<string>();

/**
 * What Node's own loader cannot import but tsx can: a TypeScript file, or an import
 * without its extension, in the graph. These fail while linking, before any of the
 * graph's code ran, so tsx may load the graph afresh.
 */
function needsTsx(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === "ERR_UNKNOWN_FILE_EXTENSION" || code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_DIR_IMPORT"
  );
}

/**
 * Readies a worker before it is needed: registering loader hooks starts Node's hooks
 * thread, and the first TypeScript transform starts esbuild's service. Both cost far more
 * than loading the app itself, so a spare worker pays them while the current one serves.
 * What it imports is a one-line TypeScript module of our own, written to `warmDir` with
 * content no earlier warm-up had: tsx keeps its transforms in a disk cache, and a module
 * it had seen before started no esbuild, which the first restart's load then paid
 * (about 40 ms of a 60 ms load). Never the user's code.
 */
export async function warmLoader(warmDir: string): Promise<EsmLoader> {
  const prepared = await tsxNamespace(randomUUID());
  const file = join(warmDir, `warm-${randomUUID()}.mts`);
  await writeFile(file, `export const warmed: string = ${JSON.stringify(randomUUID())};\n`, { mode: 0o600 });
  try {
    await prepared.import(pathToFileURL(file).href, import.meta.url);
  } finally {
    await rm(file, { force: true });
  }
  return prepared;
}

/**
 * Loads the class. `esm`: the loader for ES modules (the kernel loop's reloadingLoader,
 * a worker's warmed namespace); asked for only when one is needed.
 */
export async function loadAppClass(
  appClass: string,
  projectDir: string,
  esm: () => Promise<EsmLoader>,
): Promise<LoadedClass> {
  const ref = parseAppClass(appClass, projectDir);
  const parentURL = pathToFileURL(projectDir + sep).href;
  if (/\.c[jt]s$/.test(ref.modulePath)) {
    const { register } = await import("tsx/cjs/api");
    const api = register({ namespace: randomUUID() });
    const exports = api.require(ref.modulePath, parentURL) as Record<string, unknown>;
    const cls =
      typeof exports === "function" && ref.exportName === "default"
        ? (exports as unknown as ServerAppClass)
        : pickExport(exports, ref, appClass);
    return { cls, release: async () => api.unregister() };
  }
  const url = pathToFileURL(ref.modulePath).href;
  if (/\.m?js$/.test(ref.modulePath) && !importedByNode.has(url)) {
    // Only once per module: a second import would give back the same (stale or failed) one.
    importedByNode.add(url);
    try {
      const module = (await import(url)) as Record<string, unknown>;
      return { cls: pickExport(module, ref, appClass), release: () => Promise.resolve() };
    } catch (error) {
      if (!needsTsx(error)) throw error;
    }
  }
  const module = (await (await esm()).import(url, parentURL)) as Record<string, unknown>;
  return { cls: pickExport(module, ref, appClass), release: () => Promise.resolve() };
}
