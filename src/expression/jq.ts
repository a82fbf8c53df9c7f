/**
 * Synchronous jq for interpolation and per-line log rewriting. jq runs in a worker thread
 * (jq-worker.ts); `jqSync()` posts the query and waits on an `Atomics` flag, then reads the
 * reply with `receiveMessageOnPort`. `initJq()` must have resolved first: it starts the
 * worker once per process and waits until jq is loaded. The worker is unref'd, so it never
 * keeps the process alive.
 */
// Types only: worker_threads loads with the first jq expression, not in every command.
import type { MessagePort, Worker } from "node:worker_threads";
import { JaffleError } from "../errors.js";

interface Engine {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  receive: typeof import("node:worker_threads").receiveMessageOnPort;
}

type Reply = { ok: true; output: string } | { ok: false; error: string };

const QUERY_TIMEOUT_MS = 10_000;

let starting: Promise<Engine> | undefined;
let engine: Engine | undefined;

export class JqError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

export function initJq(): Promise<void> {
  starting ??= startEngine().then((started) => (engine = started));
  return starting.then(() => undefined);
}

export function jqReady(): boolean {
  return engine !== undefined;
}

async function startEngine(): Promise<Engine> {
  const { MessageChannel, Worker, receiveMessageOnPort } = await import("node:worker_threads");
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL("./jq-worker.js", import.meta.url), {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the jq worker exited (code ${code}) before it was ready`)));
  });
  worker.removeAllListeners("exit");
  worker.removeAllListeners("error");
  // A failing worker must not crash the process; queries then fail with a clear error.
  worker.on("error", () => (engine = undefined));
  worker.on("exit", () => (engine = undefined));
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag, receive: receiveMessageOnPort };
}

/** Runs `filter` over the JSON text `input`; returns each output as compact JSON text. */
export function jqSync(filter: string, input: string): string[] {
  if (!engine) throw new JqError("jq is not loaded (initExpressionEngine() was not awaited)");
  const { port, flag, receive } = engine;
  Atomics.store(flag, 0, 0);
  port.postMessage({ filter, input });
  // Waits for the flag itself, not for a wake-up: the worker notifies after it sets the
  // flag, so the previous query's notify can land in this query's wait, before this
  // answer was posted. The flag is set only after the answer is on the port.
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  while (Atomics.load(flag, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(flag, 0, 0, left) === "timed-out")
      throw new JqError(`jq did not answer within ${QUERY_TIMEOUT_MS / 1000} s`);
  }
  const received = receive(port);
  if (!received) throw new JqError("jq answered without a result");
  const reply = received.message as Reply;
  if (!reply.ok) throw new JqError(reply.error.replace(/^Failed to execute raw query: /, ""));
  const output = reply.output.trim();
  return output === "" ? [] : output.split("\n");
}

/** Stops the worker (tests and benchmarks that want a fresh start). */
export async function stopJq(): Promise<void> {
  const current = engine;
  engine = undefined;
  starting = undefined;
  if (current) await current.worker.terminate();
}
