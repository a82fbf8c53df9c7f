/**
 * `module#Export` references, the one place they are parsed: a plugin's `class`
 * (`./plugins/notify.ts#NotifyApp`), a Node in-kernel app (`kernel:./apps/x.mjs#X`,
 * `pkg#X`) and the server bridge's Node `app_class` (`./src/app.ts#ExampleApp`). Without
 * `#` the reference names the module's default export.
 */
import { isAbsolute, resolve } from "node:path";

export interface ModuleRef {
  /** The module part as written (`./src/app.ts`, `pkg`). */
  module: string;
  exportName: string;
  /** A relative or absolute path (the project's own file), as opposed to a package name. */
  isPath: boolean;
}

export function parseModuleRef(reference: string, what = "class"): ModuleRef {
  const hash = reference.lastIndexOf("#");
  const module = hash >= 0 ? reference.slice(0, hash) : reference;
  const exportName = hash >= 0 ? reference.slice(hash + 1) : "default";
  if (!module) throw new Error(`${what} "${reference}": no module before "#"`);
  if (!exportName) throw new Error(`${what} "${reference}": no export name after "#"`);
  return { module, exportName, isPath: module.startsWith(".") || isAbsolute(module) };
}

/** The module's absolute path (a path reference) relative to the project directory. */
export function modulePath(ref: ModuleRef, projectDir: string): string {
  return isAbsolute(ref.module) ? ref.module : resolve(projectDir, ref.module);
}
