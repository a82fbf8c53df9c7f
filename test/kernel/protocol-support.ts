/** Test support for the kernel tests: a logger that records what it was told. */
import type { Level, Logger } from "../../src/log/logger.js";

export interface RecordingLogger extends Logger {
  records: { level: Level; message: string }[];
  /** Every message logged at `level`. */
  at(level: Level): string[];
}

export function recordingLogger(name = "test"): RecordingLogger {
  const records: { level: Level; message: string }[] = [];
  const log = (level: Level, message: string) => void records.push({ level, message });
  return {
    name,
    records,
    at: (level) => records.filter((r) => r.level === level).map((r) => r.message),
    log,
    critical: (m) => log("critical", m),
    error: (m) => log("error", m),
    warning: (m) => log("warning", m),
    info: (m) => log("info", m),
    debug: (m) => log("debug", m),
  };
}
