/**
 * The log hub: every source (the supervisor, each kernel, app, process and job) gets a
 * Logger from here, and every record goes
 *
 *   level threshold ─► source's suppress/replace rules ─► root suppress/replace rules
 *     ─► onRecord listeners ─► pretty or JSON line ─► batched writer ─► out
 *
 * Decisions:
 * - Threshold: a source's own `level` if it has one, otherwise the hub's `level` (the
 *   `--log-level` / `--debug` value). The root logger block's `level` is NOT read here:
 *   the caller folds it into `level` (command line first, then `logger { level }`,
 *   then "info"), so there is one place that decides the global threshold.
 * - A record's message loses its final line break (kernels stream "text\n"); inner
 *   line breaks make a multi-line record.
 * - `color: false` strips every ANSI escape from messages (also colour that a
 *   replace_regex or a tty process produced), in both formats: plain text means plain.
 * - JSON is pino's own line format, written by pino: `{"level":30,"time":…,"pid":…,
 *   "hostname":…,"name":…,"msg":…}`. Levels keep pino's numbers (critical 60, error 50,
 *   warning 40, info 30, debug 20), so pino tooling reads them; no extra `levelName`
 *   field, to stay exactly pino's format (the mapping is `PINO_LEVELS`).
 * - Listeners see the record exactly as written (after every rule).
 * - A flood reaches `out` whole as long as `out` keeps up. A reader that falls more than
 *   the root block's `backlog_bytes` behind (default 8 MiB) loses lines, counted in one
 *   `N lines dropped` warning line where they were: see BatchedWriter. Listeners (the
 *   history of `jaffle logs`) still see every record. Call `flush()` before exiting.
 */
import { createRequire } from "node:module";
import type { Logger as PinoLogger, pino as PinoFactory } from "pino";
import type { LoggerConfig, RootLoggerConfig } from "../config/types.js";
import type { ReplaceOptions } from "../expression/replace.js";
import { BatchedWriter, DEFAULT_BACKLOG_BYTES } from "./batched-writer.js";
import { loggerFrom, type Level, type Logger } from "./logger.js";
import { PrettyFormatter } from "./pretty.js";
import { stripAnsi } from "./ansi.js";
import { compileRules, levelIndex, type CompiledRules } from "./rules.js";

export type LogFormat = "pretty" | "json";

export interface LogRecord {
  /** Milliseconds since the epoch, when the record was logged. */
  time: number;
  level: Level;
  /** The name shown in the line: the logger block's `name` if it renames the source. */
  name: string;
  msg: string;
  /** The name the logger was created with (the block's label), even when renamed. */
  source: string;
}

export interface LogHubOptions {
  format: LogFormat;
  color: boolean;
  /** The global threshold (from --log-level / --debug, else the root block's level). */
  level: Level;
  /** The root `logger` block: its suppress and replace rules apply to every source; `backlog_bytes` bounds what waits for `out`. */
  root: RootLoggerConfig;
  /** Where lines go (default: process.stdout). */
  out?: NodeJS.WritableStream;
  /** Variables, environment and cwd for `${...}` expressions in replace_regex `to` templates. */
  replace?: ReplaceOptions;
}

/** pino's numeric level for each Jaffle level. */
export const PINO_LEVELS: Record<Level, number> = { critical: 60, error: 50, warning: 40, info: 30, debug: 20 };

type JaffleLevel = Level;
type RecordSink = (record: LogRecord) => void;
/** A record as the text of its output line (with its line break). */
type RecordFormat = (record: LogRecord) => string;

/** The name of the supervisor's own lines, which the dropped-lines line is one of. */
const SUPERVISOR_NAME = "jaffle";

export class LogHub {
  private readonly writer: BatchedWriter;
  /** The root block's `backlog_bytes`: how far the reader of `out` may fall behind. */
  private backlogBytes: number;
  private rootRules: CompiledRules;
  private readonly globalThreshold: number;
  private readonly color: boolean;
  private readonly listeners = new Set<RecordSink>();
  private readonly emitLine: RecordSink;
  private readonly replaceOptions: ReplaceOptions;

  constructor(options: LogHubOptions) {
    const format = options.format === "json" ? jsonFormat() : prettyFormat(options.color);
    this.backlogBytes = options.root.backlog_bytes ?? DEFAULT_BACKLOG_BYTES;
    this.writer = new BatchedWriter(options.out ?? process.stdout, {
      backlogBytes: this.backlogBytes,
      droppedLine: (count) =>
        format({
          time: Date.now(),
          level: "warning",
          name: SUPERVISOR_NAME,
          source: SUPERVISOR_NAME,
          msg: `${count} lines dropped: this output was read too slowly (backlog_bytes = ${this.backlogBytes} waited)`,
        }),
    });
    this.replaceOptions = options.replace ?? {};
    this.rootRules = compileRules(options.root, "logger", this.replaceOptions);
    this.globalThreshold = levelIndex(options.level);
    this.color = options.color;
    this.emitLine = (record) => this.writer.write(format(record));
  }

  /** A logger for one source; `rules` is the source's `logger` block. */
  logger(name: string, rules?: LoggerConfig): Logger {
    const own = compileRules(rules, `logger of "${name}"`, this.replaceOptions);
    const threshold = own.threshold >= 0 ? own.threshold : this.globalThreshold;
    const shownName = rules?.name ?? name;
    const log = (level: Level, message: string): void => {
      let index = levelIndex(level);
      // Levels can come from outside the type system (a kernel's log message): an
      // unknown one is logged at info rather than crashing the formatter.
      if (index < 0) {
        level = "info";
        index = levelIndex(level);
      }
      if (index > threshold) return;
      this.dispatch(level, shownName, name, String(message), own);
    };
    return loggerFrom(shownName, log);
  }

  /** A reload changed the root `logger` block: its rules apply from the next record on. */
  setRootRules(root: RootLoggerConfig): void {
    this.rootRules = compileRules(root, "logger", this.replaceOptions);
    this.backlogBytes = root.backlog_bytes ?? DEFAULT_BACKLOG_BYTES;
    this.writer.setBacklogBytes(this.backlogBytes);
  }

  /** Calls `listener` with every record that passed the rules; returns the unsubscribe function. */
  onRecord(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every record logged so far has been written to `out`. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private dispatch(level: Level, name: string, source: string, message: string, own: CompiledRules): void {
    const time = Date.now();
    let msg: string | undefined = trimFinalLineBreak(message);
    msg = own.apply(msg);
    if (msg === undefined) return;
    msg = this.rootRules.apply(msg);
    if (msg === undefined) return;
    if (!this.color) msg = stripAnsi(msg);
    const record: LogRecord = { time, level, name, msg, source };
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A failing listener (a readiness check) must not stop the log stream.
      }
    }
    this.emitLine(record);
  }
}

function prettyFormat(color: boolean): RecordFormat {
  const formatter = new PrettyFormatter(color);
  return (record) => formatter.format(record);
}

/** pino's line for a record; pino writes it synchronously to the destination, which keeps it. */
function jsonFormat(): RecordFormat {
  // pino stamps `time` itself; hand it the record's own time so listeners and the
  // written line agree to the millisecond.
  let recordTime = 0;
  let line = "";
  // Loaded for --log-format json only: pino and its dependencies cost the pretty format's start-up.
  const { pino } = createRequire(import.meta.url)("pino") as { pino: typeof PinoFactory };
  const root = pino<JaffleLevel>(
    {
      customLevels: PINO_LEVELS,
      useOnlyCustomLevels: true,
      level: "debug",
      timestamp: () => `,"time":${recordTime}`,
    },
    { write: (text: string) => (line = text) },
  );
  const children = new Map<string, PinoLogger<JaffleLevel>>();
  return (record) => {
    let child = children.get(record.name);
    if (child === undefined) {
      child = root.child({ name: record.name });
      children.set(record.name, child);
    }
    recordTime = record.time;
    line = "";
    child[record.level](record.msg);
    return line;
  };
}

function trimFinalLineBreak(message: string): string {
  if (message.endsWith("\n")) return message.slice(0, message.endsWith("\r\n") ? -2 : -1);
  return message;
}
