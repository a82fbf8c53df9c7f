/**
 * WatchdogApp's `handlers` option, read defensively: src/config validates and defaults
 * it for the built-in class, but a user may construct the app from a plugin with raw
 * options, so every field is checked again here and a bad one is named.
 */

export interface HandlerOptions {
  /** Absolute directory to watch. */
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

export class WatchdogOptionError extends Error {}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new WatchdogOptionError(`${where}: expected a list of strings`);
  }
  return value as string[];
}

function seconds(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new WatchdogOptionError(`${where}: expected a number of seconds >= 0`);
  }
  return Math.round(n * 1000);
}

function bool(value: unknown, fallback: boolean, where: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new WatchdogOptionError(`${where}: expected true or false`);
}

export function parseHandlers(
  options: Record<string, unknown>,
  appName: string,
  resolvePath: (p: string) => string,
  projectDir: string,
): HandlerOptions[] {
  const raw = options["handlers"] ?? [];
  if (!Array.isArray(raw)) throw new WatchdogOptionError(`app "${appName}" options.handlers: expected a list`);
  return raw.map((entry: unknown, index) => {
    const where = `app "${appName}" options.handlers[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new WatchdogOptionError(`${where}: expected an object`);
    }
    const h = entry as Record<string, unknown>;
    const watchPath = h["watch_path"];
    if (watchPath !== undefined && typeof watchPath !== "string") {
      throw new WatchdogOptionError(`${where}.watch_path: expected a string`);
    }
    const patterns = stringList(h["patterns"], `${where}.patterns`);
    return {
      watchPath: watchPath ? resolvePath(watchPath) : projectDir,
      // watchdog's PatternMatchingEventHandler: no patterns means every path.
      patterns: patterns.length > 0 ? patterns : ["*"],
      ignorePatterns: stringList(h["ignore_patterns"], `${where}.ignore_patterns`),
      ignoreDirectories: bool(h["ignore_directories"], false, `${where}.ignore_directories`),
      caseSensitive: bool(h["case_sensitive"], false, `${where}.case_sensitive`),
      throttleMs: seconds(h["throttle"], `${where}.throttle`),
      debounceMs: seconds(h["debounce"], `${where}.debounce`),
      codeBlocks: [
        ...stringList(h["code_blocks"], `${where}.code_blocks`),
        ...stringList(h["functions"], `${where}.functions`),
      ],
      jobs: stringList(h["jobs"], `${where}.jobs`),
      apps: stringList(h["apps"], `${where}.apps`),
      clearCache: stringList(h["clear_cache"], `${where}.clear_cache`),
    };
  });
}
