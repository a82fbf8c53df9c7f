/**
 * Writes the records `jaffle logs` receives in the run's own line formats: the pretty
 * layout of src/log/pretty.ts, or pino's JSON line with the supervisor's pid and host,
 * so a line read through `jaffle logs` is the line `jaffle start` printed.
 */
import { PINO_LEVELS, type LogFormat, type LogRecord } from "../log/hub.js";
import { PrettyFormatter } from "../log/pretty.js";
import type { ControlResults } from "./protocol.js";

export function recordFormatter(
  format: LogFormat,
  color: boolean,
  writer: ControlResults["logs"],
): (record: LogRecord) => string {
  if (format === "pretty") {
    const pretty = new PrettyFormatter(color);
    return (record) => pretty.format(record);
  }
  // pino's key order: level, time, pid, hostname, then the bindings (name), then msg.
  return (record) =>
    JSON.stringify({
      level: PINO_LEVELS[record.level],
      time: record.time,
      pid: writer.pid,
      hostname: writer.hostname,
      name: record.name,
      msg: record.msg,
    }) + "\n";
}
