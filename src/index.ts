/**
 * jaffle's public API: what `import ... from "jaffle"` gives (package.json `exports`
 * names this module and nothing else, so the rest of src/ stays free to change).
 *
 * - Plugins: `JaffleApp`, `AppContext`, `WatchdogEvent` and what they mention.
 * - The configuration's types, as `jaffle config` prints them and plugins receive them.
 * - `startJaffle()`: run jaffle from a script or a test; `jaffle start` runs on it too.
 * - `loadConfig()`: load, merge, validate and interpolate configuration files.
 */
export type {
  AppConstructor,
  AppContext,
  AppKernel,
  ExecuteOutcome,
  JaffleApp,
  JobOutcome,
  WatchdogEvent,
} from "./apps/api.js";
export type {
  AppConfig,
  JaffleConfig,
  JobConfig,
  KernelConfig,
  LoggerConfig,
  ProcessConfig,
  ReadinessCheck,
  ReplaceRule,
  RestartPolicy,
  VariableConfig,
  VariableType,
  VariableValue,
} from "./config/types.js";
export type { Level, Logger } from "./log/logger.js";
export type { AppStatus, KernelStatus, ProcessState, ProcessStatus } from "./runtime/status.js";
import { builtinApps } from "./apps/catalog.js";
import { loadConfig as loadConfigWith, type JaffleConfig, type LoadOptions } from "./config/index.js";
export { ConfigError, type ConfigIssue, type LoadOptions, type SourcePosition } from "./config/index.js";

/** Loads, merges, validates and interpolates configuration files, as `jaffle config` does (built-in apps' options included). */
export function loadConfig(files: string[], options: LoadOptions = {}): Promise<JaffleConfig> {
  return loadConfigWith(files, { apps: builtinApps, ...options });
}
export {
  StartFailedError,
  startJaffle,
  type JaffleHandle,
  type ReadyReport,
  type RuntimeStatus,
  type StartJaffleOptions,
} from "./supervisor/start-jaffle.js";
