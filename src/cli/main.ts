/**
 * The `jaffle` command line. Each command lives in its own module under ./commands and
 * returns its exit code; this module only wires them into yargs and turns errors into
 * one-line messages.
 */
import yargs, { type Argv } from "yargs";
import { UserError } from "./errors.js";
import { configCommand } from "./commands/config.js";
import { consoleCommand } from "./commands/console.js";
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

const commands: JaffleCommand<never>[] = [
  startCommand,
  stopCommand,
  statusCommand,
  configCommand,
  consoleCommand,
  kernelCommand,
] as JaffleCommand<never>[];

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let failure: string | undefined;
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
      // yargs reports unknown commands/options here: keep it to one line.
      if (error) throw error;
      failure = message;
    });
  for (const cmd of commands) {
    parser.command(
      cmd.command,
      cmd.describe,
      (y) => cmd.builder(y),
      async (args) => {
        exitCode = await cmd.run(args as never);
      },
    );
  }
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`jaffle: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (failure !== undefined) {
    process.stderr.write(`jaffle: ${failure.split("\n")[0]} (see jaffle --help)\n`);
    return 2;
  }
  return exitCode;
}
