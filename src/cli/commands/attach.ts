/**
 * `jaffle attach <app> [--runtime-dir .jaffle]`: Jaffle's app-specific shell on an app
 * of a running `jaffle start` (the test runner: a test target per line). The app and
 * its kernel are found through the runtime directory's status file; see
 * src/console/app-shell.ts. Leaving never stops the app or its kernel.
 */
import type { JaffleCommand } from "../main.js";

export interface AttachArgs {
  app?: string;
  "runtime-dir"?: string;
}

export const attachCommand: JaffleCommand<AttachArgs> = {
  command: "attach <app>",
  describe: "Open an app's own shell (the test runner: run a test per line, Tab completes; Ctrl-D leaves)",
  positionals: { app: { describe: "The app's name in jaffle.hcl" } },
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of the running jaffle (default .jaffle)" },
  },
  // ZeroMQ, the shell and the app catalog (with the config schema) load with the command.
  run: async (args) => (await import("./attach-run.js")).runAttach(args),
};
