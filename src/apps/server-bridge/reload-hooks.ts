/**
 * A module-resolution hook for the Node server bridge on the kernel's loop (registered
 * once per kernel by node-loader.ts; it runs in Node's hooks thread): each load of the
 * app's module graph is a new generation, and the project's own modules get it as a
 * query parameter, so Node (which cannot evict an ES module) imports them afresh, while
 * packages under node_modules stay loaded, as require.cache eviction leaves them for
 * CommonJS. One tsx namespace serves every generation: a namespace per restart made
 * each load pay for resolving and loading every package again, and in Node 20 each
 * registration adds a layer to the hooks chain for good.
 *
 * A project module gets the generation of the module importing it; one imported by a
 * package of the same graph (a framework loading the project's route files) gets the
 * latest load's generation, which the main thread sets in shared memory before it
 * imports, so it is current when the hook reads it.
 */
import type { InitializeHook, ResolveHook } from "node:module";

/** The query parameter carrying a module's generation. */
export const GENERATION_PARAM = "jaffle-reload";

export interface ReloadHooksData {
  /** [0]: the latest load's generation (0 before the first). */
  generation: Int32Array;
  /** The tsx namespace the bridge imports through: it marks the modules of the app's graphs. */
  namespace: string;
}

/** tsx's query parameter naming the namespace a module was imported through. */
const TSX_NAMESPACE_PARAM = "tsx-namespace";

let shared: ReloadHooksData | undefined;

export const initialize: InitializeHook<ReloadHooksData> = (data) => {
  shared = data;
};

const isPackage = (url: URL) => url.pathname.includes("/node_modules/");

/** The generation a project module imported by `parentURL` belongs to, if any. */
function generationFor(parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith("file:")) return undefined;
  const parent = new URL(parentURL);
  const own = parent.searchParams.get(GENERATION_PARAM);
  if (own !== null) return own;
  if (!shared || !isPackage(parent) || parent.searchParams.get(TSX_NAMESPACE_PARAM) !== shared.namespace)
    return undefined;
  const latest = Atomics.load(shared.generation, 0);
  return latest > 0 ? String(latest) : undefined;
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith("file:")) return resolved;
  const url = new URL(resolved.url);
  if (isPackage(url) || url.searchParams.has(GENERATION_PARAM)) return resolved;
  const generation = generationFor(context.parentURL);
  if (generation === undefined) return resolved;
  url.searchParams.set(GENERATION_PARAM, generation);
  return { ...resolved, url: url.href };
};
