/**
 * The server bridge's options, as Jaffle's TornadoBridgeApp had them (`app_class`,
 * `argv` which Jaffle's code read as `args`, `threaded`, `clear_cache`) plus
 * `ready_url`. Checked again here although src/config validates the built-in classes,
 * because a plugin may subclass the bridge with raw options.
 */

export interface BridgeOptions {
  appClass: string;
  argv: string[];
  threaded: boolean;
  /** undefined: the default (the project's own modules). */
  clearCache: string[] | undefined;
  /** An http(s) URL that answers once the server is up. */
  readyUrl: string | undefined;
}

export class BridgeOptionError extends Error {}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new BridgeOptionError(`${where}: expected a list of strings`);
  return value as string[];
}

export function parseBridgeOptions(options: Record<string, unknown>, appName: string): BridgeOptions {
  const where = (key: string) => `app "${appName}" options.${key}`;
  const appClass = options["app_class"];
  if (typeof appClass !== "string" || appClass.trim() === "")
    throw new BridgeOptionError(`${where("app_class")}: required, a class name`);
  const rawArgv = options["argv"] ?? options["args"] ?? [];
  const argv =
    typeof rawArgv === "string" ? [rawArgv] : strings(rawArgv, where(options["argv"] !== undefined ? "argv" : "args"));
  const threaded = options["threaded"] ?? false;
  if (typeof threaded !== "boolean") throw new BridgeOptionError(`${where("threaded")}: expected true or false`);
  const rawClear = options["clear_cache"];
  const clearCache =
    rawClear === undefined || rawClear === null
      ? undefined
      : typeof rawClear === "string"
        ? [rawClear]
        : strings(rawClear, where("clear_cache"));
  const readyUrl = options["ready_url"];
  if (readyUrl !== undefined && readyUrl !== null) {
    if (typeof readyUrl !== "string" || !/^https?:\/\//.test(readyUrl))
      throw new BridgeOptionError(`${where("ready_url")}: expected an http(s) URL`);
  }
  return {
    appClass: appClass.trim(),
    argv,
    threaded,
    clearCache,
    readyUrl: (readyUrl as string | undefined) ?? undefined,
  };
}
