/**
 * The `jaffle` command line. Each command lives in its own module under ./commands,
 * declares its arguments as data (see ./args.ts) and returns its exit code; this module
 * holds the command table, answers --help and --version, and turns errors into one-line
 * messages.
 *
 * Speed: every jaffle run loads this module and all command modules, so those stay
 * light. A command imports what it needs (the config loader, ZeroMQ, the supervisor)
 * inside its `run`, so `jaffle status` never pays for `jaffle start`; a command whose run
 * needs many modules keeps it in `<name>-run.ts` beside it (attach, console).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../paths.js";
import { closestName, commandHelp, commandName, mainHelp, parseCommandArgs, type CommandSpec } from "./args.js";
import { isUserFault } from "../errors.js";
import { UserError } from "./errors.js";
import { attachCommand } from "./commands/attach.js";
import { configCommand } from "./commands/config.js";
import { consoleCommand } from "./commands/console.js";
import { initCommand } from "./commands/init.js";
import { kernelCommand } from "./commands/kernel.js";
import { logsCommand } from "./commands/logs.js";
import { reloadCommand } from "./commands/reload.js";
import { restartCommand } from "./commands/restart.js";
import { startCommand } from "./commands/start.js";
import { statusCommand } from "./commands/status.js";
import { stopCommand } from "./commands/stop.js";

/** A command: its arguments (usage, options) plus a handler that resolves to the exit code. */
export interface JaffleCommand<A = Record<string, unknown>> extends CommandSpec {
  run: (args: A) => Promise<number>;
}

/** Every command, in the order `jaffle --help` lists them. A new command is one line here. */
const COMMANDS: readonly JaffleCommand<never>[] = [
  startCommand,
  stopCommand,
  statusCommand,
  configCommand,
  consoleCommand,
  attachCommand,
  kernelCommand,
  initCommand,
  restartCommand,
  logsCommand,
  reloadCommand,
];

function helpWidth(): number {
  return Math.min(100, process.stdout.columns || 100);
}

function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

async function dispatch(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UserError("Name a command; see jaffle --help.", 2);
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(mainHelp(COMMANDS, helpWidth()));
    return 0;
  }
  if (first === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => commandName(candidate) === first);
  if (!command) {
    if (first.startsWith("-")) throw new UserError(`Unknown argument: ${first} (see jaffle --help)`, 2);
    const near = closestName(first, COMMANDS.map(commandName));
    throw new UserError(`Unknown command: ${first}${near ? `; did you mean ${near}?` : ""} (see jaffle --help)`, 2);
  }
  const beforeDashes = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (beforeDashes.includes("--help") || beforeDashes.includes("-h")) {
    process.stdout.write(commandHelp(command, helpWidth()));
    return 0;
  }
  return command.run(parseCommandArgs(command, rest) as never);
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    // Every layer's user-fault errors are one line; UserError (the CLI's own) picks its code.
    if (isUserFault(error)) {
      process.stderr.write(`jaffle: ${error.message}\n`);
      return error instanceof UserError ? error.exitCode : 1;
    }
    throw error;
  }
}
