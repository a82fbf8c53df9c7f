/**
 * The worker thread of a threaded Node server bridge: one AppRunner on the worker's own
 * event loop. Workers are booted ahead of time (a spare waits while the current one
 * serves), so a restart does not pay for a thread and its loader; the user's modules are
 * only imported on "start", so the module graph is still fresh.
 * Protocol with node-runtime (parent port messages):
 *   worker -> parent: { type: "booted" }
 *   parent -> worker: { type: "start" } then later { type: "stop" }
 *   worker -> parent: { type: "started", addresses } | { type: "failed", stack }
 *                     { type: "stopped", error?: stack }
 * A worker serves one start; a restart stops it and starts a fresh worker, which is what
 * gives ES modules a new module graph.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AppRunner, type RunnerOptions } from "./node-app-runner.js";
import { warmLoader } from "./node-loader.js";

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

const port = parentPort!;
const runner = new AppRunner(workerData as RunnerOptions);

// A failed warm-up is not fatal: the start then registers its own namespace.
const warmed = warmLoader().catch(() => undefined);

port.on("message", (message: { type: string }) => {
  if (message.type === "start") {
    warmed
      .then((prepared) => runner.start(prepared))
      .then(
        () => port.postMessage({ type: "started", addresses: runner.addresses() }),
        (error: unknown) => port.postMessage({ type: "failed", stack: stackOf(error) }),
      );
  } else if (message.type === "stop") {
    runner.stop({ releaseLoader: false }).then(
      () => port.postMessage({ type: "stopped" }),
      (error: unknown) => port.postMessage({ type: "stopped", error: stackOf(error) }),
    );
  }
});

void warmed.then(() => port.postMessage({ type: "booted" }));
