/**
 * KernelDialect: everything jaffle writes in a kernel's language, in one place per
 * language. Apps never branch on the kernel's language; they ask the kernel's dialect
 * for a literal, a cache eviction, an app's creation, a call on a published handle or
 * a runtime to load. Each answer is one short statement calling a real kernel-side
 * module (jaffle_kernel.py, kernel-helpers.ts, the apps' runtimes), loaded by path.
 */
import { languageFamily, type KernelLanguageFamily } from "../kernel-literal.js";
import { javascriptDialect } from "./javascript.js";
import { pythonDialect } from "./python.js";

/** A kernel-side runtime an app loads: its Python module file and its Node module URL. */
export interface KernelRuntime {
  /** For messages: "server bridge", "test runner". */
  readonly what: string;
  /** The Python module's name in sys.modules and its path under src/. */
  readonly python: { module: string; file: string };
  /** The Node module's URL (see siblingModuleUrl). */
  readonly javascript: () => string;
  /** The factory both modules export, called with the app's options object. */
  readonly factory: { python: string; javascript: string };
}

export interface KernelDialect {
  readonly family: KernelLanguageFamily;
  /** A JSON-shaped value as an expression of the language. */
  literal(value: unknown): string;
  /** Evicts the named modules from the kernel's module cache (`clear_cache`). */
  clearModuleCache(names: readonly string[], projectDir: string): string;
  /** Creates a Jaffle in-kernel app: `NAME = Cls(conf)`. */
  createApp(className: string, handleName: string, conf: Record<string, unknown>, projectDir: string): string;
  /** Calls `NAME.method(args...)` (awaited in JavaScript). */
  callHandle(handleName: string, method: string, args?: readonly unknown[]): string;
  /** Calls `NAME.method(args...)` and prints its result as one line of JSON on stdout. */
  printHandleResult(handleName: string, method: string, args?: readonly unknown[]): string;
  /** Loads a runtime and publishes `factory(options)` under the handle's name. */
  loadRuntime(runtime: KernelRuntime, handleName: string, options: object): string;
  /**
   * Code whose value describes the error the last failed cell raised (`ename: evalue`, as
   * its execute_reply named it) under FAILURE_MIME (failure.ts): the user's error and
   * file:line, the user's frames, the internal ones folded into one line. Absent for a
   * language whose kernel keeps no such error; its traceback is logged as it comes.
   */
  describeLastError?(projectDir: string, ename: string, evalue: string): string;
}

export function dialectFor(language: string): KernelDialect {
  return languageFamily(language) === "python" ? pythonDialect : javascriptDialect;
}

/** A name code in the kernel refers to must be an identifier in both languages. */
export function checkHandleName(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(
      `app "${name}": ${what}'s name must be an identifier (letters, digits, _), since code in the kernel refers to it`,
    );
  return name;
}
