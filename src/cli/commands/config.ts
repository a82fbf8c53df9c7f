/**
 * `jaffle config [files..] [--variables JSON] [--var name=value]...`: loads, merges,
 * validates and interpolates the configuration and prints it as JSON (what `jaffle start`
 * would run). Exit 0 when it is valid; otherwise exit 1 with one `file:line:col: message`
 * line per problem on stderr. Users run it in CI to check a configuration.
 */
import type { Argv } from "yargs";
import { builtinApps } from "../../apps/catalog.js";
import { ConfigError, formatIssue, loadConfig } from "../../config/index.js";
import type { JaffleCommand } from "../main.js";

export interface ConfigArgs {
  files: string[];
  variables?: string;
  var: string[];
}

export const configCommand: JaffleCommand<ConfigArgs> = {
  command: "config [files..]",
  describe: "Check the configuration and print it, resolved, as JSON",
  builder: (y: Argv) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        default: [] as string[],
        describe: "Configuration files, merged in order (default: jaffle.hcl)",
      })
      .option("variables", {
        type: "string",
        describe: "Variable values as a JSON list, e.g. '[\"port=8080\"]', or a JSON object",
      })
      .option("var", {
        type: "string",
        array: true,
        default: [] as string[],
        describe: "A variable value name=value (repeatable)",
      }) as unknown as Argv<ConfigArgs>,
  run: async (args) => {
    try {
      // A repeated --variables: the last one wins, as with any single-valued option.
      const variables: unknown = args.variables;
      const variablesJson = Array.isArray(variables) ? String(variables.at(-1)) : (variables as string | undefined);
      const config = await loadConfig((args.files ?? []).map(String), {
        variablesJson,
        vars: (args.var ?? []).map(String),
        apps: builtinApps,
      });
      process.stdout.write(JSON.stringify(config, null, 2) + "\n");
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(error.errors.map(formatIssue).join("\n") + "\n");
      return 1;
    }
  },
};
