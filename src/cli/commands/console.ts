/**
 * `jaffle console <kernel> [--runtime-dir .jaffle] [--existing FILE]`: an interactive
 * shell on a kernel of a running `jaffle start` (found through its runtime directory),
 * or on any kernel's connection file; a kernel jaffle runs on a Jupyter server is reached
 * through that server's WebSocket. Leaving (Ctrl-D, end of piped input) never stops
 * the kernel. Exit code 0, or 1 if the kernel died; see src/console/session.ts.
 */
import { resolve } from "node:path";
import { locateKernel, type KernelLocation } from "../../console/locate.js";
import type { KernelClient } from "../../kernel/client.js";
import { baseUrl, GATEWAY_TOKEN_ENV, resolveGateway } from "../../kernel/gateway/settings.js";
import { loggerFrom, type Logger } from "../../log/logger.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { RemoteKernelStatus } from "../../runtime/status.js";
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
    const { ConsoleSession } = await import("../../console/session.js");
    let location: KernelLocation;
    if (args.existing !== undefined) {
      location = { connectionFile: resolve(args.existing) };
    } else if (args.kernel !== undefined) {
      const runtimeDir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
      location = locateKernel(args.kernel, runtimeDir);
    } else {
      throw new UserError("name a kernel (jaffle console <kernel>) or pass --existing FILE");
    }
    const client = location.remote
      ? await connectRemote(location.remote, location.projectDir, args.kernel!)
      : await connectLocal(location);
    try {
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const io = { input: process.stdin, output: process.stdout, errorOutput: process.stderr };
      return await new ConsoleSession(client, io, interactive).run();
    } finally {
      client.close();
    }
  },
};

async function connectLocal(location: { connectionFile: string; pid?: number }): Promise<KernelClient> {
  const [{ KernelClient }, { readConnectionFile }] = await Promise.all([
    import("../../kernel/client.js"),
    import("../../kernel/connection.js"),
  ]);
  let info;
  try {
    info = await readConnectionFile(location.connectionFile);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  try {
    return await KernelClient.connect(info, {
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
}

/**
 * A kernel jaffle runs on a Jupyter server (issue 15): the status file names the server
 * and the kernel id, never the token; the token comes from where `jaffle start` took it,
 * the project's jaffle.hcl (or JUPYTER_GATEWAY_AUTH_TOKEN).
 */
async function connectRemote(remote: RemoteKernelStatus, projectDir: string, name: string): Promise<KernelClient> {
  const { GatewayRest } = await import("../../kernel/gateway/rest.js");
  const { attachRemoteKernel } = await import("../../kernel/gateway/attach.js");
  const settings = { baseUrl: baseUrl(remote.server), token: await gatewayToken(projectDir, name), env: {} };
  try {
    return await attachRemoteKernel(new GatewayRest(settings), remote.kernelId, stderrLogger, 30_000);
  } catch (error) {
    throw new UserError(`kernel ${name} (${remote.kernelId} on ${remote.server}): ${(error as Error).message}`);
  }
}

async function gatewayToken(projectDir: string, name: string): Promise<string | undefined> {
  try {
    const { loadConfig } = await import("../../config/index.js");
    const config = await loadConfig([], { cwd: projectDir });
    const kernel = config.kernel[name];
    return resolveGateway(kernel?.gateway, config.gateway, kernel?.kernel_name !== undefined)?.token;
  } catch {
    // A config that no longer loads: the environment may still hold the token.
    return process.env[GATEWAY_TOKEN_ENV] || undefined;
  }
}
