/**
 * The worker thread of a threaded Node server bridge: one AppRunner on the worker's own
 * event loop. Protocol with node-runtime (parent port messages):
 *   parent -> worker: { type: "stop" }
 *   worker -> parent: { type: "started", addresses } | { type: "failed", stack }
 *                     { type: "stopped", error?: stack }
 * A worker serves one start; a restart stops it and starts a fresh worker, which is what
 * gives ES modules a new module graph.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AppRunner, type RunnerOptions } from "./node-app-runner.js";

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

const port = parentPort!;
const runner = new AppRunner(workerData as RunnerOptions);

port.on("message", (message: { type: string }) => {
  if (message.type !== "stop") return;
  runner.stop().then(
    () => port.postMessage({ type: "stopped" }),
    (error: unknown) => port.postMessage({ type: "stopped", error: stackOf(error) }),
  );
});

runner.start().then(
  () => port.postMessage({ type: "started", addresses: runner.addresses() }),
  (error: unknown) => port.postMessage({ type: "failed", stack: stackOf(error) }),
);
