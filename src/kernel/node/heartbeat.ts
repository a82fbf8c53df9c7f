/** Starts and stops the heartbeat thread (see heartbeat-worker.ts for why it is a thread). */
import { Worker } from "node:worker_threads";

export class Heartbeat {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    /** Set to 1 by the thread once its socket is closed. */
    private readonly closed: Int32Array,
  ) {
    this.exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  }

  /** Resolves once the heartbeat socket is bound to `endpoint`. */
  static async start(endpoint: string): Promise<Heartbeat> {
    const closed = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL("./heartbeat-worker.js", import.meta.url), {
      workerData: { endpoint, closed },
    });
    const heartbeat = new Heartbeat(worker, closed);
    const failure = await new Promise<Error | undefined>((resolve) => {
      const onExit = (code: number) =>
        resolve(new Error(`heartbeat thread exited (code ${code}) before binding ${endpoint}`));
      worker.once("error", resolve);
      worker.once("exit", onExit);
      worker.once("message", (message: { ready?: boolean; error?: string }) => {
        worker.off("exit", onExit);
        resolve(message.ready ? undefined : new Error(`heartbeat: cannot bind ${endpoint}: ${message.error}`));
      });
    });
    if (failure) {
      // Only report once the thread is gone, so the caller may end the process safely.
      await heartbeat.exited;
      throw failure;
    }
    // Not unref()'d: the thread must be stopped (stop()) before the process ends, because
    // tearing it down with its socket open aborts the process in zeromq's native code.
    return heartbeat;
  }

  /** Closes the socket from inside the thread and waits for the thread to end. */
  async stop(): Promise<void> {
    this.worker.postMessage("stop");
    await this.exited;
  }

  /**
   * For `process.on("exit")` (a cell called `process.exit()`): closes the socket and
   * blocks until the thread confirms, so the exiting process does not abort.
   */
  stopNow(timeoutMs = 2_000): void {
    if (Atomics.load(this.closed, 0) === 1) return;
    this.worker.postMessage("stop");
    Atomics.wait(this.closed, 0, 0, timeoutMs);
  }
}
