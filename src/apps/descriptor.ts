/**
 * An app that describes itself once: its class names, its options schema (checked by
 * the configuration loader and, for options given in code, by `parseOptions`) and how
 * its class is loaded. The catalog (catalog.ts) lists the built-ins; the registry and
 * the configuration layer both read it, so no fact about a built-in lives twice.
 */
import type { ObjectSchema } from "../config/schema.js";
import { checkOptions } from "../config/validate.js";
import type { AppConstructor } from "./api.js";

export interface AppDescriptor<Options = unknown> {
  /** Jaffle's dotted name first, then the short and TypeScript-native names. */
  readonly classNames: readonly string[];
  readonly optionsSchema: ObjectSchema;
  /** Checked, defaulted options (snake_case as in HCL) turned into the app's typed options. */
  parseOptions(options: Record<string, unknown>, appName: string): Options;
  /** The class, imported on demand so reading a configuration stays light. */
  load(): Promise<AppConstructor>;
  /** The app has a shell for `jaffle attach` (its handle offers test() and collect_test_items()). */
  readonly shell?: boolean;
}

/**
 * Builds a descriptor whose `parseOptions` first checks the options against the schema
 * (they may come from code, not from a checked file), then converts them.
 */
export function describeApp<Options>(description: {
  classNames: readonly string[];
  optionsSchema: ObjectSchema;
  convert(checked: Record<string, unknown>, appName: string): Options;
  load(): Promise<AppConstructor>;
  shell?: boolean;
}): AppDescriptor<Options> {
  return {
    classNames: description.classNames,
    optionsSchema: description.optionsSchema,
    parseOptions: (options, appName) =>
      description.convert(checkOptions(options, description.optionsSchema, `app "${appName}" options`), appName),
    load: description.load,
    shell: description.shell ?? false,
  };
}
