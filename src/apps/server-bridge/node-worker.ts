/**
 * The worker thread of a threaded Node server bridge: one AppRunner on the worker's own
 * event loop. Workers are booted ahead of time (a spare waits while the current one
 * serves), so a restart does not pay for a thread and its loader; the user's modules are
 * only imported on "start", so the module graph is still fresh.
 * The messages with node-runtime are typed in worker-protocol.ts.
 * A worker serves one start; a restart stops it and starts a fresh worker, which is what
 * gives ES modules a new module graph.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AppRunner } from "./node-app-runner.js";
import { warmLoader } from "./node-loader.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

const port = parentPort!;
const reply = (message: FromWorker) => port.postMessage(message);
const setup = workerData as WorkerSetup;
const runner = new AppRunner(setup);

// A failed warm-up is not fatal: the start then registers its own namespace.
const warmed = warmLoader(setup.warmDir).catch(() => undefined);

port.on("message", (message: ToWorker) => {
  if (message.type === "start") {
    warmed
      .then((prepared) => runner.start(prepared))
      .then(
        () => reply({ type: "started", addresses: runner.addresses(), phases: runner.phases! }),
        (error: unknown) => reply({ type: "failed", stack: stackOf(error) }),
      );
  } else if (message.type === "stop") {
    runner.stop({ releaseLoader: false }).then(
      () => reply({ type: "stopped" }),
      (error: unknown) => reply({ type: "stopped", error: stackOf(error) }),
    );
  }
});

void warmed.then(() => reply({ type: "booted" }));
