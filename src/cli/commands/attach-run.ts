/**
 * What `jaffle attach` does (attach.ts holds its arguments): finds the app and its kernel
 * through the status file, connects, and runs the app's own shell.
 */
import { builtinDescriptor } from "../../apps/catalog.js";
import { AppShell } from "../../console/app-shell.js";
import { locateKernel } from "../../console/locate.js";
import { KernelClient } from "../../kernel/client.js";
import { readConnectionFile } from "../../kernel/connection.js";
import { loggerFrom } from "../../log/logger.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import { readStatus } from "../../runtime/status.js";
import { UserError } from "../errors.js";
import type { AttachArgs } from "./attach.js";

const stderrLogger = loggerFrom("attach", (level, message) => {
  if (level === "critical" || level === "error" || level === "warning")
    process.stderr.write(`jaffle attach: ${message}\n`);
});

export async function runAttach(args: AttachArgs): Promise<number> {
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
}
