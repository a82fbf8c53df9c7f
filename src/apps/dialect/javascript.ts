/** The Node kernel's dialect (see index.ts). */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { javascriptLiteral } from "../kernel-literal.js";
import { parseModuleRef } from "../module-ref.js";
import type { KernelDialect, KernelRuntime } from "./index.js";
import { siblingModuleUrl } from "./kernel-files.js";

const json = (value: unknown) => JSON.stringify(value ?? null);

/** `(await import("file:///.../kernel-helpers.js"))`: Node caches it by URL. */
function helpers(): string {
  return `(await import(${json(siblingModuleUrl(import.meta.url, "./kernel-helpers"))}))`;
}

/** Statements end in `undefined;` so the cell displays nothing. */
const quiet = (statement: string) => `${statement};\nundefined;`;

export const javascriptDialect: KernelDialect = {
  family: "javascript",
  literal: javascriptLiteral,
  clearModuleCache: (names, projectDir) => quiet(`${helpers()}.clearModuleCache(${json(names)}, ${json(projectDir)})`),
  createApp: (className, handleName, conf, projectDir) => {
    const ref = parseModuleRef(className);
    // Imported by the cell, so a package name resolves as any import in the kernel does.
    const specifier = ref.isPath ? pathToFileURL(resolve(projectDir, ref.module)).href : ref.module;
    return quiet(
      `globalThis[${json(handleName)}] = ${helpers()}.createApp(await import(${json(specifier)}), ${json(ref.exportName)}, ${json(conf)}, ${json(ref.module)})`,
    );
  },
  callHandle: (handleName, method, args = []) => `await ${handleName}.${method}(${args.map(json).join(", ")});`,
  printHandleResult: (handleName, method, args = []) =>
    quiet(`console.log(JSON.stringify(await ${handleName}.${method}(${args.map(json).join(", ")})))`),
  loadRuntime: (runtime: KernelRuntime, handleName, options) =>
    quiet(
      `globalThis[${json(handleName)}] = (await import(${json(runtime.javascript())})).${runtime.factory.javascript}(${json(options)})`,
    ),
};
