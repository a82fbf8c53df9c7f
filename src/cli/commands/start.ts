/**
 * `jaffle start [files..]`: runs the supervisor in the foreground until a signal (or,
 * with --exit-when-ready, until the run is ready).
 */
import { LEVELS, type Level } from "../../log/logger.js";
import { refuseIfRunning, resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { JaffleCommand } from "../main.js";
import { UserError } from "../errors.js";

export interface StartArgs {
  files: string[];
  variables?: string;
  var?: string[];
  yes: boolean;
  debug: boolean;
  "log-level"?: Level;
  color: boolean;
  "disable-color": boolean;
  "log-format": "pretty" | "json";
  "runtime-dir"?: string;
  "exit-when-ready": boolean;
  "ready-timeout": number;
  reload: boolean;
  "log-history": number;
}

/**
 * Colour only for a person looking at a terminal: stdout is a TTY, no --no-color, and
 * no NO_COLOR (https://no-color.org: any non-empty value).
 */
export function wantsColor(
  args: Pick<StartArgs, "color" | "disable-color">,
  stdout = process.stdout,
  env = process.env,
): boolean {
  return Boolean(stdout.isTTY) && args.color && !args["disable-color"] && !env.NO_COLOR;
}

export const startCommand: JaffleCommand<StartArgs> = {
  command: "start [files..]",
  describe: "Start the kernels, apps and processes of jaffle.hcl (or the given files, merged in order)",
  positionals: {
    files: { describe: "Configuration files; later ones are merged over earlier ones", default: ["jaffle.hcl"] },
  },
  options: {
    variables: {
      type: "string",
      describe: `Variable values as JSON: '["name=value", ...]' (as Jaffle) or '{"name": value}'`,
    },
    var: { type: "string", array: true, describe: "A variable value: --var name=value" },
    yes: { alias: "y", type: "boolean", default: false, describe: "Ctrl-C shuts down without asking" },
    debug: { type: "boolean", default: false, describe: "Log at debug level" },
    "log-level": {
      type: "string",
      choices: LEVELS,
      describe: "The lowest level logged (default: the logger block's, else info)",
    },
    color: {
      type: "boolean",
      default: true,
      describe: "Colour the log (only on a terminal); --no-color turns it off",
    },
    "disable-color": { type: "boolean", default: false, describe: "Same as --no-color (Jaffle's name)" },
    "log-format": {
      type: "string",
      choices: ["pretty", "json"],
      default: "pretty",
      describe: "Log lines as text, or as pino JSON",
    },
    "runtime-dir": { type: "string", describe: "Where the status and connection files go (default .jaffle)" },
    "exit-when-ready": {
      type: "boolean",
      default: false,
      describe: "Shut down once everything is up and exit 0; exit 1 if something failed or did not get ready in time",
    },
    "ready-timeout": { type: "number", default: 60, describe: "Seconds the run may take to become ready" },
    reload: {
      type: "boolean",
      default: true,
      describe: "Apply a changed configuration file to the run; --no-reload turns it off",
    },
    "log-history": { type: "number", default: 10_000, describe: "Log lines kept in memory for `jaffle logs`" },
  },
  run: async (args) => {
    const readyTimeout = args["ready-timeout"];
    if (!Number.isFinite(readyTimeout) || readyTimeout <= 0) {
      throw new UserError(`--ready-timeout must be a positive number of seconds, got ${String(readyTimeout)}`);
    }
    const history = args["log-history"];
    if (!Number.isInteger(history) || history < 1) {
      throw new UserError(`--log-history must be a whole number of lines >= 1, got ${String(history)}`);
    }
    for (const value of args.var ?? []) {
      if (!/^[^=]+=/.test(value)) throw new UserError(`--var ${value}: expected name=value`);
    }
    // Refused here, before the supervisor and the configuration load (the session
    // checks again when it takes the directory).
    refuseIfRunning(resolveRuntimeDir(process.cwd(), args["runtime-dir"]));
    // Set before the supervisor's modules load: loading them would grow the young generation.
    const { keepYoungGenerationSmall } = await import("../../supervisor/young-generation.js");
    keepYoungGenerationSmall();
    // Imported here, not at the top: every jaffle command (the kernel too) loads this
    // module, and only `start` needs the supervisor with ZeroMQ, pino, node-pty...
    const { runSession } = await import("../../supervisor/session.js");
    const code = await runSession({
      files: args.files.length > 0 ? args.files : ["jaffle.hcl"],
      variablesJson: args.variables,
      vars: args.var ?? [],
      yes: args.yes,
      level: args.debug ? "debug" : args["log-level"],
      format: args["log-format"],
      color: wantsColor(args),
      runtimeDir: args["runtime-dir"],
      exitWhenReady: args["exit-when-ready"],
      readyTimeoutMs: readyTimeout * 1000,
      watchConfig: args.reload,
      logHistory: history,
    });
    // Everything is shut down and the log is flushed. A handle some library left open
    // (a socket, stdin) must not keep a finished jaffle alive: give the event loop a
    // moment to end by itself, then end the process.
    setTimeout(() => process.exit(code), 1000).unref();
    return code;
  },
};
