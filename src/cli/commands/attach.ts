/**
 * `jaffle attach <app> [--runtime-dir .jaffle]`: Jaffle's app-specific shell on an app
 * of a running `jaffle start` (the test runner: a test target per line). The app and
 * its kernel are found through the runtime directory's status file; see
 * src/console/app-shell.ts. Leaving never stops the app or its kernel.
 */
import { builtinDescriptor } from "../../apps/catalog.js";
import { locateKernel } from "../../console/locate.js";
import { loggerFrom } from "../../log/logger.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import { readStatus } from "../../runtime/status.js";
import { UserError } from "../errors.js";
import type { JaffleCommand } from "../main.js";

export interface AttachArgs {
  app?: string;
  "runtime-dir"?: string;
}

const stderrLogger = loggerFrom("attach", (level, message) => {
  if (level === "critical" || level === "error" || level === "warning")
    process.stderr.write(`jaffle attach: ${message}\n`);
});

export const attachCommand: JaffleCommand<AttachArgs> = {
  command: "attach <app>",
  describe: "Open an app's own shell (the test runner: run a test per line, Tab completes; Ctrl-D leaves)",
  positionals: { app: { describe: "The app's name in jaffle.hcl" } },
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of the running jaffle (default .jaffle)" },
  },
  run: async (args) => {
    // Imported here: ZeroMQ and the shell are for this command only (see main.ts).
    const [{ AppShell }, { KernelClient }, { readConnectionFile }] = await Promise.all([
      import("../../console/app-shell.js"),
      import("../../kernel/client.js"),
      import("../../kernel/connection.js"),
    ]);
    const name = String(args.app ?? "");
    const runtimeDir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    const status = readStatus(runtimeDir);
    if (!status) throw new UserError(`no jaffle is running in ${runtimeDir} (start it with \`jaffle start\`)`);
    const withShell = Object.entries(status.apps)
      .filter(([, app]) => builtinDescriptor(app.class)?.shell)
      .map(([appName]) => appName);
    const app = status.apps[name];
    if (!app || !builtinDescriptor(app.class)?.shell) {
      const what = app ? `app "${name}" (${app.class}) has no shell` : `no app named "${name}" is running`;
      throw new UserError(
        `${what}; ${withShell.length > 0 ? `apps with a shell: ${withShell.join(", ")}` : "no app of this run has a shell"}`,
      );
    }
    const location = locateKernel(app.kernel, runtimeDir);
    if (location.remote)
      throw new UserError(`app "${name}" runs in a remote kernel; jaffle attach reaches local kernels only`);
    const client = await KernelClient.connect(await readConnectionFile(location.connectionFile), {
      logger: stderrLogger,
      ...(location.pid !== undefined
        ? { interruptMode: "signal" as const, pid: location.pid }
        : { interruptMode: "message" as const }),
      readyTimeoutMs: 30_000,
    });
    try {
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const io = { input: process.stdin, output: process.stdout, errorOutput: process.stderr };
      return await new AppShell(client, name, io, interactive).run();
    } finally {
      client.close();
    }
  },
};
