/**
 * Starts the built-in Node.js kernel on a connection file and serves until a client asks
 * it to shut down or the process gets SIGTERM. Used by `jaffle kernel --connection-file`
 * and by entry.ts (the same kernel without the CLI's start-up cost).
 *
 * What the kernel adds to the process, on purpose:
 * - tsx's ESM and CommonJS hooks, so cells (and the user's modules) can import and
 *   require `.ts`, `.mts` and `.cts` files, with the project's tsconfig;
 * - one global, `require`, resolving relative to the kernel's working directory (the
 *   project directory), as in Node's REPL;
 * - stdout and stderr replaced by Jupyter stream messages (output-capture.ts);
 * - SIGINT interrupts the running cell instead of ending the process, and uncaught
 *   exceptions and unhandled rejections are reported on the cell's stderr instead of
 *   ending it.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { register as registerTsxCommonJs } from "tsx/cjs/api";
import { register as registerTsxEsm } from "tsx/esm/api";
import { endpoint, readConnectionFile } from "../connection.js";
import { Heartbeat } from "./heartbeat.js";
import { KernelSockets } from "./kernel-sockets.js";
import { NodeKernel } from "./node-kernel.js";
import { OutputCapture } from "./output-capture.js";
import { RequestOrigins } from "./request-origin.js";

function installCellGlobals(projectDir: string): void {
  // Not enumerable, like the globals Node defines itself.
  Object.defineProperty(globalThis, "require", {
    value: createRequire(join(projectDir, "[jaffle kernel]")),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Runs the kernel until it is shut down; resolves with the process exit code. The caller
 * should then end the process: servers and timers the user's cells started would
 * otherwise keep it alive.
 */
export async function runKernel(connectionFile: string): Promise<number> {
  const info = await readConnectionFile(connectionFile);
  registerTsxEsm();
  registerTsxCommonJs();
  installCellGlobals(process.cwd());

  const origins = new RequestOrigins();
  let kernel: NodeKernel | undefined;
  const output = new OutputCapture(origins, (name, text, parent) => kernel?.publishStream(name, text, parent));
  const heartbeat = await Heartbeat.start(endpoint(info, "hb"));
  let sockets: KernelSockets;
  try {
    sockets = await KernelSockets.bind(info);
  } catch (error) {
    await heartbeat.stop();
    throw new Error(`cannot bind the kernel's sockets on ${info.ip}: ${(error as Error).message}`, { cause: error });
  }
  kernel = new NodeKernel({ sockets, output, origins });
  const running = kernel;

  let terminate!: () => void;
  const terminated = new Promise<void>((resolve) => (terminate = resolve));
  const onSigint = () => {
    if (!running.interrupt()) output.log("SIGINT with no cell running: nothing to interrupt");
  };
  const onUncaught = (error: unknown) => running.reportUncaught("Uncaught exception", error);
  const onUnhandled = (reason: unknown) => running.reportUncaught("Unhandled promise rejection", reason);
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", terminate);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);

  output.install();
  kernel.start();
  output.log(`kernel ${sockets.kernelId} listening on ${info.ip} (pid ${process.pid})`);

  const why = await Promise.race([kernel.shutdownRequested.then(() => "shutdown_request"), terminated.then(() => "SIGTERM")]);
  output.log(`stopping (${why})`);
  await kernel.close();
  await heartbeat.stop();
  output.uninstall();
  process.off("SIGINT", onSigint);
  process.off("SIGTERM", terminate);
  return 0;
}
