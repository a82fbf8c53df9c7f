/**
 * The built-in apps, each described once (descriptor.ts). The configuration loader is
 * given `builtinApps` as its AppCatalog, and the registry finds built-in classes here.
 * Importing this module loads no app: each descriptor imports its class on demand.
 */
import type { AppCatalog, ObjectSchema } from "../config/schema.js";
import type { AppDescriptor } from "./descriptor.js";
import { serverBridgeDescriptor } from "./server-bridge/descriptor.js";
import { testRunnerDescriptor } from "./test-runner/descriptor.js";
import { watchdogDescriptor } from "./watchdog/descriptor.js";

export const BUILTIN_DESCRIPTORS: readonly AppDescriptor[] = [
  watchdogDescriptor,
  serverBridgeDescriptor,
  testRunnerDescriptor,
];

export function builtinDescriptor(className: string): AppDescriptor | undefined {
  const name = className.trim();
  return BUILTIN_DESCRIPTORS.find((d) => d.classNames.includes(name));
}

export const builtinApps: AppCatalog = {
  optionsSchema: (className: string): ObjectSchema | undefined => builtinDescriptor(className)?.optionsSchema,
};
