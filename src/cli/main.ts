/**
 * The `jaffle` command line. Each command lives in its own module under ./commands and
 * returns its exit code; this module only wires them into yargs and turns errors into
 * one-line messages.
 */
import yargs, { type Argv } from "yargs";
import { isUserFault } from "../errors.js";
import { UserError } from "./errors.js";
import { attachCommand } from "./commands/attach.js";
import { configCommand } from "./commands/config.js";
import { consoleCommand } from "./commands/console.js";
import { initCommand } from "./commands/init.js";
import { kernelCommand } from "./commands/kernel.js";
import { startCommand } from "./commands/start.js";
import { statusCommand } from "./commands/status.js";
import { stopCommand } from "./commands/stop.js";

/** A command: its yargs definition plus a handler that resolves to the exit code. */
export interface JaffleCommand<A = Record<string, unknown>> {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<A>;
  run: (args: A) => Promise<number>;
}

/** Adds one command to the parser; generic so each command keeps its own argument type. */
function register<A>(parser: Argv, cmd: JaffleCommand<A>, setExitCode: (code: number) => void): void {
  parser.command(
    cmd.command,
    cmd.describe,
    (y) => cmd.builder(y),
    async (args) => {
      setExitCode(await cmd.run(args as unknown as A));
    },
  );
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs(argv)
    .scriptName("jaffle")
    .usage("$0 <command> [options]")
    .strict()
    .demandCommand(1, "Name a command; see jaffle --help.")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error) => {
      // yargs reports unknown commands and options here. Throwing stops it from going on
      // to run the command's handler; the message becomes one line and exit code 2.
      if (error) throw error;
      throw new UserError(`${message.split("\n")[0]} (see jaffle --help)`, 2);
    });
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  register(parser, startCommand, setExitCode);
  register(parser, stopCommand, setExitCode);
  register(parser, statusCommand, setExitCode);
  register(parser, configCommand, setExitCode);
  register(parser, consoleCommand, setExitCode);
  register(parser, attachCommand, setExitCode);
  register(parser, kernelCommand, setExitCode);
  register(parser, initCommand, setExitCode);
  try {
    await parser.parseAsync();
  } catch (error) {
    // Every layer's user-fault errors are one line; UserError (the CLI's own) picks its code.
    if (isUserFault(error)) {
      process.stderr.write(`jaffle: ${error.message}\n`);
      return error instanceof UserError ? error.exitCode : 1;
    }
    throw error;
  }
  return exitCode;
}
