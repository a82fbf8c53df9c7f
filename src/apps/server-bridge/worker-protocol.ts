/**
 * The messages between a threaded Node server bridge (node-runtime.ts) and its worker
 * thread (node-worker.ts), typed once for both sides:
 *   worker -> parent: booted, then started | failed after a start, stopped after a stop
 *   parent -> worker: start, then later stop
 */
import type { RunnerOptions, StartPhases } from "./node-app-runner.js";

/** The worker's workerData: what to run, and where its loader warm-up may write its module. */
export type WorkerSetup = RunnerOptions & { warmDir: string };

export type ToWorker = { type: "start" } | { type: "stop" };

export type FromWorker =
  | { type: "booted" }
  | { type: "started"; addresses: string[]; phases: StartPhases }
  | { type: "failed"; stack: string }
  | { type: "stopped"; error?: string };
