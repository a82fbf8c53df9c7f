/**
 * A module-resolution hook for the built-in kernel (registered by typescript-loader.ts,
 * it runs in Node's hooks thread): `import()` of a TypeScript file that is CommonJS (a
 * `.ts` file in a `"type": "commonjs"` package, npm's default) must give its named
 * exports, as `require()` does and as `node --import tsx` does.
 *
 * tsx's hooks, registered after start-up (the kernel registers them at its first cell),
 * give such an import only `default`: Node pre-parses the file's CommonJS exports from
 * the raw TypeScript source and finds none. tsx has its own answer for a static
 * `import { named }` of such a file: the resolved URL is marked with the query below, and
 * its load hook then returns the compiled source with the export names Node's parser
 * reads. This hook marks every CommonJS TypeScript file the same way.
 */
import type { ResolveHook } from "node:module";

/** tsx's marker for "pre-parse this CommonJS module's exports from its compiled form". */
const PREPARSE_QUERY = "tsx-commonjs-export-preparse";
const TYPESCRIPT_FILE = /^file:.*\.(?:ts|tsx)$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (resolved.format !== "commonjs" || !TYPESCRIPT_FILE.test(resolved.url)) return resolved;
  const url = new URL(resolved.url);
  url.searchParams.set(PREPARSE_QUERY, "");
  return { ...resolved, url: url.href };
};
