/**
 * `jaffle console <kernel> [--runtime-dir .jaffle] [--existing FILE]`: an interactive
 * shell on a kernel of a running `jaffle start` (found through its runtime directory),
 * or on any kernel's connection file. Leaving (Ctrl-D, end of piped input) never stops
 * the kernel. Exit code 0, or 1 if the kernel died; see src/console/session.ts.
 */
import { resolve } from "node:path";
import { locateKernel, type KernelLocation } from "../../console/locate.js";
import type { KernelClient } from "../../kernel/client.js";
import { loggerFrom, type Logger } from "../../log/logger.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import { UserError } from "../errors.js";
import type { JaffleCommand } from "../main.js";

export interface ConsoleArgs {
  kernel?: string;
  "runtime-dir"?: string;
  existing?: string;
}

/** Client warnings (a forged message, a lost channel) go to stderr; the rest is noise here. */
const stderrLogger: Logger = loggerFrom("console", (level, message) => {
  if (level === "critical" || level === "error" || level === "warning")
    process.stderr.write(`jaffle console: ${message}\n`);
});

export const consoleCommand: JaffleCommand<ConsoleArgs> = {
  command: "console [kernel]",
  describe: "Attach an interactive shell to a running kernel (Ctrl-D leaves it running)",
  positionals: { kernel: { describe: "The kernel's name in jaffle.hcl" } },
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of the running jaffle (default .jaffle)" },
    existing: { type: "string", describe: "Attach to the kernel of this connection file instead" },
  },
  run: async (args) => {
    // Imported here: ZeroMQ and the client are for this command only (see main.ts).
    const [{ ConsoleSession }, { KernelClient }, { readConnectionFile }] = await Promise.all([
      import("../../console/session.js"),
      import("../../kernel/client.js"),
      import("../../kernel/connection.js"),
    ]);
    let location: KernelLocation;
    if (args.existing !== undefined) {
      location = { connectionFile: resolve(args.existing) };
    } else if (args.kernel !== undefined) {
      const runtimeDir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
      location = locateKernel(args.kernel, runtimeDir);
    } else {
      throw new UserError("name a kernel (jaffle console <kernel>) or pass --existing FILE");
    }
    let info;
    try {
      info = await readConnectionFile(location.connectionFile);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    let client: KernelClient;
    try {
      client = await KernelClient.connect(info, {
        logger: stderrLogger,
        // With the kernel's pid (from status.json) Ctrl-C signals its process group, which
        // also stops a synchronous loop in the Node kernel; otherwise interrupt_request.
        ...(location.pid !== undefined
          ? { interruptMode: "signal" as const, pid: location.pid }
          : { interruptMode: "message" as const }),
        readyTimeoutMs: 30_000,
      });
    } catch (error) {
      throw new UserError(`the kernel of ${location.connectionFile} does not answer: ${(error as Error).message}`);
    }
    try {
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const io = { input: process.stdin, output: process.stdout, errorOutput: process.stderr };
      return await new ConsoleSession(client, io, interactive).run();
    } finally {
      client.close();
    }
  },
};
