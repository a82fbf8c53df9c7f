/**
 * The logging contract every module writes to. The log hub (src/log/hub.ts) creates
 * one Logger per source (the supervisor, each kernel, app, process and job); modules
 * take a Logger as a parameter and never format or print on their own.
 */

import type { Level } from "../shared/levels.js";

// The levels' home is src/shared/levels.ts; loggers are where most modules meet them.
export { LEVELS, type Level } from "../shared/levels.js";

export interface Logger {
  /** The source name shown in every line (`jaffle`, a kernel, app, process or job name). */
  readonly name: string;
  critical(message: string): void;
  error(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  log(level: Level, message: string): void;
}

/** A Logger whose five level methods all go through `log`. */
export function loggerFrom(name: string, log: (level: Level, message: string) => void): Logger {
  return {
    name,
    log,
    critical: (message) => log("critical", message),
    error: (message) => log("error", message),
    warning: (message) => log("warning", message),
    info: (message) => log("info", message),
    debug: (message) => log("debug", message),
  };
}

/** A logger that drops everything; for library callers that do not want log lines. */
export const silentLogger: Logger = {
  name: "silent",
  critical() {},
  error() {},
  warning() {},
  info() {},
  debug() {},
  log() {},
};
