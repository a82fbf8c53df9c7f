/**
 * Runs cells in the kernel's own global context (as Node's REPL does with `useGlobal`),
 * so values, classes and promises from cells and from the user's modules share one realm
 * (`instanceof` works across them) and a cell's globals are what the next cell sees.
 *
 * Interrupting: the synchronous part of a cell runs with `breakOnSigint`, so SIGINT stops
 * even `while (true) {}`; before that and once the cell awaits, the caller's AbortSignal
 * does it: aborting rejects the cell with a KeyboardInterrupt (the awaited work itself
 * cannot be cancelled, only abandoned). A synchronous loop that starts after an `await`
 * runs outside `breakOnSigint` and cannot be interrupted: JavaScript offers no way to stop
 * it short of ending the process.
 */
import vm from "node:vm";
import process from "node:process";
import { CellSyntaxError, transformCell, type TransformedCell } from "./cell-transform.js";
import { reportError, reportSyntaxError, withModuleLocation, type ErrorReport } from "./error-report.js";
import { KeyboardInterrupt } from "./keyboard-interrupt.js";

export type CellOutcome =
  /** `result` is present when the cell ended with an expression. */
  { status: "ok"; result?: { value: unknown } } | { status: "error"; error: ErrorReport };

/** The code `vm` reports when `breakOnSigint` stopped a script. */
const SCRIPT_INTERRUPTED = "ERR_SCRIPT_EXECUTION_INTERRUPTED";

/**
 * `import()` in a cell goes through the main context's ESM loader (with tsx's hooks), and
 * resolves relative to the kernel's working directory. Node 20 flags the option as
 * experimental with a process warning; that warning is about the kernel, not the user's
 * code, so it is kept out of the cell's stderr.
 */
const importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
const LOADER_WARNING = "vm.USE_MAIN_CONTEXT_DEFAULT_LOADER";

let warningFilterInstalled = false;
function filterLoaderWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const listeners = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && warning.message.includes(LOADER_WARNING)) return;
    for (const listener of listeners) listener(warning);
  });
}

/**
 * How many transformed cells are kept by source. The supervisor sends the same short
 * calls again and again (`await web._jaffle_call("restart")` on every save), and parsing
 * one with acorn was 0.5 to 1.4 ms of a restart; a transform depends on the source alone.
 * Only short sources are kept, so a notebook's big cells do not stay in memory twice.
 */
const TRANSFORM_CACHE_SIZE = 64;
const TRANSFORM_CACHE_MAX_SOURCE = 2_000;

export class CellExecutor {
  private readonly transforms = new Map<string, TransformedCell>();

  constructor() {
    filterLoaderWarning();
  }

  /** transformCell, from the cache when the same source ran lately (least recently used out first). */
  private transform(source: string): TransformedCell {
    const cached = this.transforms.get(source);
    if (cached) {
      this.transforms.delete(source);
      this.transforms.set(source, cached);
      return cached;
    }
    const transformed = transformCell(source);
    if (source.length > TRANSFORM_CACHE_MAX_SOURCE) return transformed;
    this.transforms.set(source, transformed);
    if (this.transforms.size > TRANSFORM_CACHE_SIZE) this.transforms.delete(this.transforms.keys().next().value!);
    return transformed;
  }

  /**
   * Runs one cell. `filename` names the cell in stack traces (`<cell 3>:2:7`); aborting
   * `signal` interrupts it; `onStart` is called exactly once, just before the cell's code
   * runs (or fails to). Never throws: every failure of the user's code is an `error`
   * outcome.
   */
  async run(
    source: string,
    filename: string,
    signal: AbortSignal,
    onStart: () => void = () => undefined,
  ): Promise<CellOutcome> {
    const interrupted = (): CellOutcome => {
      onStart();
      return { status: "error", error: reportError(new KeyboardInterrupt()) };
    };
    if (signal.aborted) return interrupted();
    let transformed;
    try {
      transformed = this.transform(source);
    } catch (error) {
      onStart();
      if (error instanceof CellSyntaxError)
        return { status: "error", error: reportSyntaxError(error, source, filename) };
      throw error;
    }
    let script: vm.Script;
    try {
      script = new vm.Script(transformed.code, {
        filename,
        columnOffset: transformed.columnOffset,
        importModuleDynamically,
      });
    } catch (error) {
      onStart();
      return { status: "error", error: reportError(error, { filename, ...transformed }) };
    }
    // A SIGINT that arrived before `breakOnSigint` is armed (say, while the cell compiled)
    // waits in libuv's signal pipe, and would wait there for as long as a synchronous cell
    // holds the thread. The pipe is read in the event loop's poll phase; two setImmediate
    // hops guarantee one poll phase in between (the first hop may run in the current
    // iteration's check phase), so such a signal becomes an abort. Signals sent in answer
    // to execute_input cannot fall into the gap: see runWithSigintArmed.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return interrupted();
    let completion: unknown;
    try {
      const global = globalThis as Record<string, unknown>;
      for (const name of transformed.assignedGlobals) if (!(name in global)) global[name] = undefined;
      completion = runWithSigintArmed(() => {
        onStart();
        return script.runInThisContext({ breakOnSigint: true, displayErrors: false });
      });
    } catch (error) {
      return { status: "error", error: reportError(interruptedAs(error), { filename, ...transformed }) };
    }
    if (!transformed.isAsync) {
      return transformed.hasResult ? { status: "ok", result: { value: completion } } : { status: "ok" };
    }
    try {
      const returned = await untilAborted(completion as Promise<{ value: unknown } | undefined>, signal);
      return returned === undefined ? { status: "ok" } : { status: "ok", result: returned };
    } catch (error) {
      const report = reportError(interruptedAs(error), { filename, ...transformed });
      return { status: "error", error: withModuleLocation(report, error, source, process.cwd()) };
    }
  }

  /**
   * Evaluates one expression for `user_expressions`. Throws what the expression throws.
   */
  evaluate(expression: string): unknown {
    return new vm.Script(`(${expression}\n)`, {
      filename: "<user expression>",
      importModuleDynamically,
    }).runInThisContext({
      breakOnSigint: true,
      displayErrors: false,
    });
  }
}

/**
 * `onStart` tells the client the cell is starting (execute_input), and a client may
 * answer that with SIGINT at once. A SIGINT that lands before `breakOnSigint` is armed
 * sits unseen in libuv's signal pipe while a synchronous cell runs, so the cell is started
 * from inside an already armed script: this trampoline. It reaches the kernel's function
 * through a symbol-keyed, non-enumerable global that exists only while it runs.
 */
const CELL_START = Symbol.for("jaffle.kernel.cellStart");
const trampoline = new vm.Script("this[Symbol.for('jaffle.kernel.cellStart')]()", { filename: "<jaffle cell start>" });

function runWithSigintArmed(work: () => unknown): unknown {
  Object.defineProperty(globalThis, CELL_START, {
    value: work,
    configurable: true,
    enumerable: false,
    writable: false,
  });
  try {
    return trampoline.runInThisContext({ breakOnSigint: true, displayErrors: false });
  } finally {
    delete (globalThis as Record<symbol, unknown>)[CELL_START];
  }
}

/** Settles like `work`, or rejects with a KeyboardInterrupt as soon as `signal` aborts. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // An abandoned cell may still reject later; that is no longer anyone's error.
  work.catch(() => undefined);
  let onAbort!: () => void;
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new KeyboardInterrupt());
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function interruptedAs(error: unknown): unknown {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === SCRIPT_INTERRUPTED) {
    return new KeyboardInterrupt();
  }
  return error;
}
