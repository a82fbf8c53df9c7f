/**
 * `jaffle console <kernel> [--runtime-dir .jaffle] [--existing FILE]`: an interactive
 * shell on a kernel of a running `jaffle start` (found through its runtime directory),
 * or on any kernel's connection file; a kernel jaffle runs on a Jupyter server is reached
 * through that server's WebSocket. Leaving (Ctrl-D, end of piped input) never stops
 * the kernel. Exit code 0, or 1 if the kernel died; see src/console/session.ts.
 */
import type { JaffleCommand } from "../main.js";

export interface ConsoleArgs {
  kernel?: string;
  "runtime-dir"?: string;
  existing?: string;
}

export const consoleCommand: JaffleCommand<ConsoleArgs> = {
  command: "console [kernel]",
  describe: "Attach an interactive shell to a running kernel (Ctrl-D leaves it running)",
  positionals: { kernel: { describe: "The kernel's name in jaffle.hcl" } },
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of the running jaffle (default .jaffle)" },
    existing: { type: "string", describe: "Attach to the kernel of this connection file instead" },
  },
  // The client, ZeroMQ and the gateway load with the command (see main.ts).
  run: async (args) => (await import("./console-run.js")).runConsole(args),
};
