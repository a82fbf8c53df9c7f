/** WatchdogApp's self-description: names, the `handlers` schema, the typed options. */
import { schemaParts, type Schema } from "../../config/schema.js";
import { describeApp } from "../descriptor.js";

const { str, bool, list, strings, object, emptyList } = schemaParts;
const seconds: Schema = { kind: "number", min: 0 };

export const watchdogHandlerSchema = object({
  watch_path: { schema: str(), default: () => "." },
  patterns: { schema: strings, default: () => ["*"] },
  ignore_patterns: { schema: strings, default: emptyList },
  ignore_directories: { schema: bool, default: () => false },
  case_sensitive: { schema: bool, default: () => false },
  throttle: { schema: seconds, default: () => 0 },
  debounce: { schema: seconds, default: () => 0 },
  code_blocks: { schema: strings, default: emptyList, aliases: ["functions"] },
  jobs: { schema: list(str()), default: emptyList, references: "job" },
  /** TypeScript-native routing: apps whose handleWatchdogEvent() receives the event. */
  apps: { schema: list(str()), default: emptyList, references: "app" },
  clear_cache: { schema: strings, default: emptyList },
});

export interface HandlerOptions {
  /** Absolute once WatchdogApp resolved it (as written: relative to the project directory). */
  watchPath: string;
  patterns: string[];
  ignorePatterns: string[];
  ignoreDirectories: boolean;
  caseSensitive: boolean;
  /** Milliseconds; 0 = off. */
  throttleMs: number;
  debounceMs: number;
  codeBlocks: string[];
  jobs: string[];
  apps: string[];
  clearCache: string[];
}

interface CheckedHandler {
  watch_path: string;
  patterns: string[];
  ignore_patterns: string[];
  ignore_directories: boolean;
  case_sensitive: boolean;
  throttle: number;
  debounce: number;
  code_blocks: string[];
  jobs: string[];
  apps: string[];
  clear_cache: string[];
}

export const watchdogDescriptor = describeApp({
  classNames: ["jaffle.app.watchdog.WatchdogApp", "WatchdogApp"],
  optionsSchema: object({ handlers: { schema: list(watchdogHandlerSchema), default: emptyList } }),
  convert: (checked): HandlerOptions[] =>
    (checked["handlers"] as CheckedHandler[]).map((h) => ({
      watchPath: h.watch_path,
      // watchdog's PatternMatchingEventHandler: no patterns means every path.
      patterns: h.patterns.length > 0 ? h.patterns : ["*"],
      ignorePatterns: h.ignore_patterns,
      ignoreDirectories: h.ignore_directories,
      caseSensitive: h.case_sensitive,
      throttleMs: Math.round(h.throttle * 1000),
      debounceMs: Math.round(h.debounce * 1000),
      codeBlocks: h.code_blocks,
      jobs: h.jobs,
      apps: h.apps,
      clearCache: h.clear_cache,
    })),
  load: async () => (await import("./index.js")).WatchdogApp,
});
