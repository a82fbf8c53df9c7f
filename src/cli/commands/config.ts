/**
 * `jaffle config [files..] [--variables JSON] [--var name=value]...`: loads, merges,
 * validates and interpolates the configuration and prints it as JSON (what `jaffle start`
 * would run). Exit 0 when it is valid; otherwise exit 1 with one `file:line:col: message`
 * line per problem on stderr. Users run it in CI to check a configuration.
 */
import type { JaffleCommand } from "../main.js";

export interface ConfigArgs {
  files: string[];
  variables?: string;
  var: string[];
}

export const configCommand: JaffleCommand<ConfigArgs> = {
  command: "config [files..]",
  describe: "Check the configuration and print it, resolved, as JSON",
  positionals: { files: { describe: "Configuration files, merged in order (default: jaffle.hcl)", default: [] } },
  options: {
    variables: {
      type: "string",
      describe: "Variable values as a JSON list, e.g. '[\"port=8080\"]', or a JSON object",
    },
    var: { type: "string", array: true, default: [], describe: "A variable value name=value" },
  },
  run: async (args) => {
    // Imported here: only this command needs the loader (see main.ts).
    const [{ ConfigError, formatIssue, loadConfig }, { builtinApps }] = await Promise.all([
      import("../../config/index.js"),
      import("../../apps/catalog.js"),
    ]);
    try {
      // A repeated --variables: the last one wins, as with any single-valued option.
      const config = await loadConfig(args.files, { variablesJson: args.variables, vars: args.var, apps: builtinApps });
      process.stdout.write(JSON.stringify(config, null, 2) + "\n");
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(error.errors.map(formatIssue).join("\n") + "\n");
      return 1;
    }
  },
};
