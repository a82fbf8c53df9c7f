/**
 * The worker thread of a threaded Node server bridge: one AppRunner on the worker's own
 * event loop. Workers are booted ahead of time (a spare waits while the current one
 * serves), so a restart does not pay for a thread, its loader or a cold HTTP path; the
 * user's modules are only imported on "start", so the module graph is still fresh.
 * The messages with node-runtime are typed in worker-protocol.ts.
 * A worker serves one start; a restart stops it and starts a fresh worker, which is what
 * gives ES modules a new module graph.
 */
import { parentPort, workerData } from "node:worker_threads";
import { randomUUID } from "node:crypto";
import { AppRunner } from "./node-app-runner.js";
import { tsxNamespace, warmLoader } from "./node-loader.js";
import { warmServing } from "./warm-serving.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

const port = parentPort!;
const reply = (message: FromWorker) => port.postMessage(message);
const setup = workerData as WorkerSetup;
// A failed warm-up is not fatal: the start then registers a namespace of its own, and
// serves cold.
const warmed = warmLoader(setup.warmDir).catch(() => undefined);
const booted = warmed.then(() => warmServing().catch(() => undefined));
const runner = new AppRunner(setup, async () => (await warmed) ?? (await tsxNamespace(randomUUID())));

port.on("message", (message: ToWorker) => {
  if (message.type === "start") {
    runner.start().then(
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

void booted.then(() => reply({ type: "booted" }));
