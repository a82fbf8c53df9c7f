/**
 * Starts the interrupt watch thread (interrupt-watch-worker.ts) and keeps it told which
 * cell is running. While it runs, SIGINT reaches the kernel through it (`onInterrupt`),
 * so even a cell that loops after an `await` can be interrupted.
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import { ACK, BEFORE_BREAK_IN, CELL, SLOTS, STOP } from "./interrupt-watch-state.js";

/**
 * Node 20's AsyncLocalStorage (which carries each cell's request, request-origin.ts) runs
 * on async hooks: entering a callback or a promise reaction pushes its async id, leaving
 * pops it, and Node asserts the stack is empty when a callback returns to the event loop.
 * Terminated code never leaves, so the process would abort there. Clearing the stack first
 * is what Node itself does after an uncaught exception (`clearAsyncIdStack`), from the
 * async_wrap binding, the one place it is reachable; process.binding() warns that it is
 * deprecated, which is about the kernel, not the user's code, so that warning is muted.
 * A Node whose binding lacks it has no such stack to clear (newer releases carry context
 * without hooks).
 */
function asyncIdStackClearer(): () => void {
  const noDeprecation = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const binding = (process as unknown as { binding(name: string): { clearAsyncIdStack?: () => void } }).binding(
      "async_wrap",
    );
    return typeof binding.clearAsyncIdStack === "function" ? () => binding.clearAsyncIdStack!() : () => undefined;
  } catch {
    return () => undefined;
  } finally {
    process.noDeprecation = noDeprecation;
  }
}

export class InterruptWatch {
  private cells = 0;
  private onInterrupt: () => void = () => undefined;

  private constructor(private readonly state: Int32Array) {}

  /**
   * Resolves once the thread's watchdog is on. From then on SIGINT reaches the process
   * through it only: the main thread must have no SIGINT listener of its own (see main.ts).
   */
  static async start(onError: (error: Error) => void): Promise<InterruptWatch> {
    Object.defineProperty(globalThis, Symbol.for(BEFORE_BREAK_IN), {
      value: asyncIdStackClearer(),
      configurable: true,
      enumerable: false,
    });
    const state = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(new URL("./interrupt-watch-worker.js", import.meta.url), { workerData: { state } });
    const watch = new InterruptWatch(state);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the interrupt watch thread exited (code ${code}) before it was armed`));
      worker.once("error", reject);
      worker.once("exit", onExit);
      worker.once("message", () => {
        worker.off("error", reject);
        worker.off("exit", onExit);
        resolve();
      });
    });
    // It only waits; it must not keep the process alive.
    worker.unref();
    worker.on("error", onError);
    worker.on("message", ({ sigint }: { sigint: number }) => {
      Atomics.add(state, ACK, 1);
      Atomics.notify(state, ACK);
      if (sigint !== 0 && sigint === Atomics.load(state, CELL)) watch.onInterrupt();
    });
    return watch;
  }

  /** `handler` runs on SIGINT while a cell runs (never for one that has ended). */
  onSigint(handler: () => void): void {
    this.onInterrupt = handler;
  }

  cellStarted(): void {
    // 0 means "no cell", so numbering wraps past it.
    this.cells = (this.cells % 0x7fff_ffff) + 1;
    Atomics.store(this.state, CELL, this.cells);
  }

  cellEnded(): void {
    Atomics.store(this.state, CELL, 0);
  }

  stop(): void {
    Atomics.store(this.state, STOP, 1);
    Atomics.notify(this.state, STOP);
  }
}
