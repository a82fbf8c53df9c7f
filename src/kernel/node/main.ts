/**
 * Starts the built-in Node.js kernel on a connection file and serves until a client asks
 * it to shut down or the process gets SIGTERM. Used by `jaffle kernel --connection-file`
 * and by entry.ts (the same kernel without the CLI's start-up cost).
 *
 * What the kernel adds to the process, on purpose:
 * - TypeScript: tsx's ESM and CommonJS hooks (typescript-loader.ts, registered before
 *   the first cell runs), so cells and the user's modules can import and require `.ts`,
 *   `.mts` and `.cts` files, with the project's tsconfig, named exports included in a
 *   CommonJS package;
 * - the globals `require` (resolving relative to the kernel's working directory, the
 *   project directory, as in Node's REPL), `display`, `clearOutput`, `input` and
 *   `jupyter` (NodeKernel.cellGlobals());
 * - stdout and stderr replaced by Jupyter stream messages (output-capture.ts);
 * - SIGINT interrupts the running cell instead of ending the process (through the
 *   interrupt watch thread, so a loop after `await` too), uncaught
 *   exceptions and unhandled rejections are reported on the cell's stderr instead of
 *   ending it; output not yet sent when a cell calls `process.exit()` goes to the real
 *   stdout and stderr (OutputCapture.writeLastWords()).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { endpoint, readConnectionFile, type ConnectionInfo } from "../connection.js";
import { Heartbeat } from "./heartbeat.js";
import { historyFileFor } from "./history-store.js";
import { InterruptWatch } from "./interrupt-watch.js";
import { watchParent } from "./parent-watch.js";
import { OutputCapture, type StreamPublisher } from "./output-capture.js";
import { RequestOrigins } from "./request-origin.js";
import { TypeScriptLoader } from "./typescript-loader.js";

/** The kernel's two threads; the interrupt watch is absent if it could not start. */
interface KernelThreads {
  heartbeat: Heartbeat;
  watch: InterruptWatch | undefined;
  watchFailure: Error | undefined;
}

/**
 * Starts the heartbeat and interrupt watch threads. Rejects, with no thread left running,
 * if the heartbeat cannot bind: a kernel whose heartbeat is down looks dead to clients.
 * A watch that fails costs only SIGINT's reach into a loop after `await`.
 */
async function startThreads(info: ConnectionInfo, output: OutputCapture): Promise<KernelThreads> {
  const [heartbeat, watch] = await Promise.allSettled([
    Heartbeat.start(endpoint(info, "hb")),
    InterruptWatch.start((error) => output.log(`the interrupt watch thread failed: ${error.message}`)),
  ]);
  if (heartbeat.status === "rejected") {
    if (watch.status === "fulfilled") watch.value.stop();
    const reason = heartbeat.reason as Error;
    throw new Error(`cannot bind the kernel's heartbeat on ${info.ip}: ${reason.message}`, { cause: reason });
  }
  return {
    heartbeat: heartbeat.value,
    watch: watch.status === "fulfilled" ? watch.value : undefined,
    watchFailure: watch.status === "rejected" ? (watch.reason as Error) : undefined,
  };
}

/** Stops the threads once they are up (the heartbeat must close its socket before the process ends). */
async function stopThreads(threads: Promise<KernelThreads>): Promise<void> {
  const started = await threads.catch(() => undefined);
  if (started === undefined) return;
  await started.heartbeat.stop();
  started.watch?.stop();
}

function installCellGlobals(globals: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(globals)) {
    // Not enumerable, like the globals Node defines itself; a cell may still redefine them.
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Runs the kernel until it is shut down; resolves with the process exit code. The caller
 * should then end the process: servers and timers the user's cells started would
 * otherwise keep it alive.
 */
export async function runKernel(connectionFile: string): Promise<number> {
  const info = await readConnectionFile(connectionFile);
  installCellGlobals({ require: createRequire(join(process.cwd(), "[jaffle kernel]")) });

  const origins = new RequestOrigins();
  // The capture and the kernel need each other: output is published once the kernel exists.
  let publishStream: StreamPublisher = () => Promise.resolve();
  const output = new OutputCapture(origins, (name, text, parent) => publishStream(name, text, parent));
  // kernel_info is answered once the sockets are bound. What only cells need comes up
  // behind it: the heartbeat and interrupt watch threads (each a Node isolate, as long to
  // boot as the kernel's own modules), the cell services (acorn) and tsx.
  const kernelModule = import("./node-kernel.js");
  kernelModule.catch(() => undefined);
  const sockets = await import("./kernel-sockets.js")
    .then(({ KernelSockets }) => KernelSockets.bind(info))
    .catch((error: Error) => {
      throw new Error(`cannot bind the kernel's sockets on ${info.ip}: ${error.message}`, { cause: error });
    });
  const threads = startThreads(info, output);
  threads.catch(() => undefined);
  const { NodeKernel } = await kernelModule.catch(async (error: unknown) => {
    sockets.close();
    await stopThreads(threads);
    throw error;
  });
  const kernel = new NodeKernel({
    sockets,
    output,
    origins,
    // tsx's hooks cost about three times Node's start: after kernel_info, and only in a
    // TypeScript project or once a cell needs them.
    cellPreparation: TypeScriptLoader.forProject(process.cwd()),
    historyFile: historyFileFor(connectionFile),
    cellWatch: threads.then(
      ({ watch }) => watch,
      () => undefined,
    ),
  });
  publishStream = (name, text, parent) => kernel.publishStream(name, text, parent);
  installCellGlobals(kernel.cellGlobals());
  let terminate!: () => void;
  const terminated = new Promise<void>((resolve) => (terminate = resolve));
  // Outside a cell SIGINT does nothing, as in ipykernel (jupyter_client sends one before
  // every shutdown, so it is not even worth a log line).
  const onSigint = () => void kernel.interrupt();
  const onUncaught = (error: unknown) => kernel.reportUncaught("Uncaught exception", error);
  const onUnhandled = (reason: unknown) => kernel.reportUncaught("Unhandled promise rejection", reason);
  // A cell may end the process itself (process.exit()): the heartbeat thread must let go
  // of its socket first, or zeromq aborts the process instead of exiting with that code.
  let heartbeat: Heartbeat | undefined;
  const onExit = () => {
    output.writeLastWords();
    heartbeat?.stopNow();
  };
  process.on("exit", onExit);
  // The real stdout/stderr carry only the kernel's own notices. When whoever reads them
  // is gone (EPIPE), a write error must not become an uncaught exception: reporting it
  // would write again and spin the kernel in an endless error loop.
  const ignoreWriteError = () => undefined;
  process.stdout.on("error", ignoreWriteError);
  process.stderr.on("error", ignoreWriteError);
  // With the watch thread, SIGINT must have no listener here: adding or removing one (vm
  // does both around every breakOnSigint script) re-installs libuv's handler over the
  // watchdog's, and the watch would go deaf.
  const threadsFailed = threads.then(
    (started) => {
      heartbeat = started.heartbeat;
      if (started.watch !== undefined) started.watch.onSigint(onSigint);
      else {
        output.log(`SIGINT cannot stop a loop that follows an await: ${started.watchFailure?.message}`);
        process.on("SIGINT", onSigint);
      }
      return new Promise<never>(() => undefined);
    },
    (error: Error) => error,
  );
  // The kernel loads its cell services on its own; a kernel that cannot (a broken
  // install) must end with the reason, not answer kernel_info and then never a cell.
  const servicesFailed = import("./cell-services.js").then(
    () => new Promise<never>(() => undefined),
    (error: Error) => new Error(`cannot load the kernel's cell services: ${error.message}`, { cause: error }),
  );
  process.on("SIGTERM", terminate);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);

  output.install();
  kernel.start();
  output.notice(`kernel ${sockets.kernelId} listening on ${info.ip} (pid ${process.pid})`);

  let orphaned!: () => void;
  const parentGone = new Promise<void>((resolve) => (orphaned = resolve));
  const stopWatchingParent = watchParent(orphaned);

  const why = await Promise.race([
    kernel.shutdownRequested.then(() => "shutdown_request"),
    terminated.then(() => "SIGTERM"),
    parentGone.then(() => "the process that started it is gone"),
    threadsFailed,
    servicesFailed,
  ]);
  stopWatchingParent();
  if (why instanceof Error) {
    // kernel_info may have been answered already; the exit code and this error say it failed.
    await kernel.close();
    await stopThreads(threads);
    output.uninstall();
    throw why;
  }
  output.notice(`stopping (${why})`);
  await kernel.close();
  await stopThreads(threads);
  output.uninstall();
  process.off("SIGINT", onSigint);
  process.off("SIGTERM", terminate);
  return 0;
}
