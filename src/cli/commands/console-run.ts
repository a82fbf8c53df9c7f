/**
 * What `jaffle console` does (console.ts holds its arguments): finds the kernel, connects
 * to it locally or through its Jupyter server, and runs the interactive session.
 */
import { resolve } from "node:path";
import { locateKernel, type KernelLocation } from "../../console/locate.js";
import { ConsoleSession } from "../../console/session.js";
import { KernelClient } from "../../kernel/client.js";
import { readConnectionFile } from "../../kernel/connection.js";
import { baseUrl, GATEWAY_TOKEN_ENV, resolveGateway } from "../../kernel/gateway/settings.js";
import { loggerFrom, type Logger } from "../../log/logger.js";
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { RemoteKernelStatus } from "../../runtime/status.js";
import { UserError } from "../errors.js";
import type { ConsoleArgs } from "./console.js";

/** Client warnings (a forged message, a lost channel) go to stderr; the rest is noise here. */
const stderrLogger: Logger = loggerFrom("console", (level, message) => {
  if (level === "critical" || level === "error" || level === "warning")
    process.stderr.write(`jaffle console: ${message}\n`);
});

export async function runConsole(args: ConsoleArgs): Promise<number> {
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
}

async function connectLocal(location: { connectionFile: string; pid?: number }): Promise<KernelClient> {
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
