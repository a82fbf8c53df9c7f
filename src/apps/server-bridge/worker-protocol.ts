/**
 * The messages between a threaded Node server bridge (node-runtime.ts) and its worker
 * thread (node-worker.ts), typed once for both sides:
 *   worker -> parent: booted, then started | failed after a start, stopped after a stop
 *   parent -> worker: start, then later stop
 */
import type { StartPhases } from "./node-app-runner.js";

export type ToWorker = { type: "start" } | { type: "stop" };

export type FromWorker =
  | { type: "booted" }
  | { type: "started"; addresses: string[]; phases: StartPhases }
  | { type: "failed"; stack: string }
  | { type: "stopped"; error?: string };
