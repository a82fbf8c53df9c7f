/**
 * `jaffle logs [NAME...] [-f] [-n N] [--since 5m] [--log-format json]`: the log of the
 * running jaffle from its in-memory ring of recent lines, then (with -f) every new line
 * as it is logged, in the same pretty or JSON format as `jaffle start` writes.
 */
import type { ControlResults } from "../../control/protocol.js";
import type { LogRecord } from "../../log/hub.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { JaffleCommand } from "../main.js";
import { UserError } from "../errors.js";
import { wantsColor } from "./start.js";

export interface LogsArgs {
  names: string[];
  follow: boolean;
  lines?: number;
  since?: string;
  "log-format": "pretty" | "json";
  color: boolean;
  "runtime-dir"?: string;
}

const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function isUnit(text: string | undefined): text is keyof typeof UNITS_MS {
  return text !== undefined && Object.hasOwn(UNITS_MS, text);
}

/** `--since`: a duration back from now (`90s`, `5m`, `1h30m`, `2d`) or an ISO 8601 time. */
export function parseSince(value: string, now = Date.now()): number {
  const text = value.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) {
    let ms = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
      if (isUnit(unit)) ms += Number(amount) * UNITS_MS[unit];
    return now - ms;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new UserError(`--since ${value}: expected a duration (30s, 5m, 1h, 2d) or a time (2026-12-01T20:15:00)`);
  }
  return time;
}

export const logsCommand: JaffleCommand<LogsArgs> = {
  command: "logs [names..]",
  describe: "Show the log of the running jaffle (recent lines from memory; -f: and then live)",
  positionals: { names: { describe: "Only these sources", default: [] } },
  options: {
    follow: { alias: "f", type: "boolean", default: false, describe: "Go on with new lines as they come" },
    lines: { alias: "n", type: "number", describe: "Only the last N lines from memory" },
    since: { type: "string", describe: "Only lines since a duration ago (5m, 1h) or a time" },
    "log-format": {
      type: "string",
      choices: ["pretty", "json"],
      default: "pretty",
      describe: "Lines as text, or as pino JSON",
    },
    color: {
      type: "boolean",
      default: true,
      describe: "Colour the lines (only on a terminal); --no-color turns it off",
    },
    "runtime-dir": { type: "string", describe: "The runtime directory of that jaffle (default .jaffle)" },
  },
  run: async (args) => {
    if (args.lines !== undefined && (!Number.isInteger(args.lines) || args.lines < 0)) {
      throw new UserError(`-n must be a whole number of lines >= 0, got ${String(args.lines)}`);
    }
    const since = args.since === undefined ? undefined : parseSince(args.since);
    const dir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    // Loaded here: the formatter pulls in pino, which other commands do not need.
    const { ControlRefused, NoControlSocket, openRequest } = await import("../../control/client.js");
    const { recordFormatter } = await import("../../control/record-format.js");
    const connection = openRequest(dir, {
      command: "logs",
      names: args.names,
      lines: args.lines,
      since,
      follow: args.follow,
    });
    let format: ((record: LogRecord) => string) | undefined;
    // Records that came in the same read as the answer, before `format` was set.
    const early: LogRecord[] = [];
    const color = wantsColor({ color: args.color, "disable-color": false });
    connection.onRecord((record) => {
      if (format) process.stdout.write(format(record));
      else early.push(record);
    });
    try {
      const writer = (await connection.answer) as ControlResults["logs"];
      format = recordFormatter(args["log-format"], color, writer);
      process.stdout.write(early.map(format).join(""));
    } catch (error) {
      connection.close();
      if (error instanceof NoControlSocket) throw new UserError(`no jaffle is running here: ${error.message}`);
      if (error instanceof ControlRefused) throw new UserError(error.message);
      throw error;
    }
    // Ctrl-C while following is the normal way out.
    const onSignal = () => connection.close();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    await connection.closed;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    return 0;
  },
};
