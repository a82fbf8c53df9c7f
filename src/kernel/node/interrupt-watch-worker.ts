/**
 * The interrupt watch, in its own thread: it hears SIGINT even while the main thread is
 * stuck in a loop that no JavaScript signal handler can break into (a cell that loops
 * after an `await`, outside `breakOnSigint`).
 *
 * How: the thread blocks in `Atomics.wait` inside a `vm` script run with
 * `breakOnSigint`. Node's SIGINT watchdog then catches the signal on its own native
 * thread and terminates that script, which is how this thread learns of it. It tells the
 * main thread (a message); if the main thread has not acknowledged within GRACE_MS while
 * the same cell still runs, that cell is blocking its event loop, and the thread breaks in
 * through the inspector (`Runtime.terminateExecution` on a session connected to the main
 * thread, which V8 serves as an interrupt even during a busy loop). The terminated code
 * ends where it was; the main thread's loop runs again and answers the interrupt. Just
 * before, it runs the main thread's BEFORE_BREAK_IN hook (see interrupt-watch.ts).
 *
 * Everything here is synchronous and (but for a few instructions between two scripts)
 * inside a `breakOnSigint` script: outside one, Node's SIGINT handler ends the process,
 * so the thread never leaves the watchdog for an event-loop turn.
 *
 * Shared state (workerData `state`, Int32Array): [STOP] 1 ends the thread; [CELL] the
 * number of the running cell, 0 when none; [ACK] how many SIGINT messages the main thread
 * has read (it adds one and notifies for each). Posts "armed" once the watchdog is on, `{ sigint: cell }`
 * for each SIGINT.
 */
import { Session } from "node:inspector";
import vm from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { ACK, BEFORE_BREAK_IN, CELL, GRACE_MS, STOP } from "./interrupt-watch-state.js";

const port = parentPort!;
const { state } = workerData as { state: Int32Array };
let armed = false;
const context = vm.createContext({
  state,
  STOP,
  ACK,
  acked: 0,
  ms: 0,
  armed: () => {
    if (!armed) port.postMessage("armed");
    armed = true;
  },
});
const filename = "<jaffle interrupt watch>";
const waitForStop = new vm.Script("armed(); Atomics.wait(state, STOP, 0)", { filename });
const waitForAck = new vm.Script("Atomics.wait(state, ACK, acked, ms)", { filename });

const INTERRUPTED = "ERR_SCRIPT_EXECUTION_INTERRUPTED";
/** How long the session stays open for the main thread to serve the break-in. */
const BREAK_IN_MS = 5_000;

/** Runs `work` with the SIGINT watchdog on; true if a SIGINT stopped it. */
function watching(work: () => unknown): boolean {
  try {
    work();
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== INTERRUPTED) throw error;
    return true;
  }
}

/**
 * Posts the break-in to the main thread. The returned function disconnects the session:
 * only once the main thread has served the requests (disconnecting at once drops them),
 * and before the process ends (a session left connected makes it print "Waiting for the
 * debugger to disconnect").
 */
function breakIn(): () => void {
  const session = new Session();
  session.connectToMainThread();
  // Served in order, in one interrupt of the busy main thread. No answer is awaited: this
  // thread does not leave the watchdog for an event-loop turn.
  session.post("Runtime.evaluate", { expression: `globalThis[Symbol.for(${JSON.stringify(BEFORE_BREAK_IN)})]?.()` });
  session.post("Runtime.terminateExecution");
  return () => session.disconnect();
}

/** Waits (with the watchdog on) until the main thread has read `acked` + 1 SIGINT messages; true if a SIGINT came. */
function untilAcknowledged(acked: number, deadline: number): boolean {
  while (Atomics.load(state, ACK) === acked && Date.now() < deadline) {
    context.acked = acked;
    context.ms = Math.max(1, deadline - Date.now());
    if (watching(() => waitForAck.runInContext(context, { breakOnSigint: true, displayErrors: false }))) return true;
  }
  return false;
}

/** One SIGINT: tell the main thread; break in if it cannot answer. True if another SIGINT came meanwhile. */
function onSigint(): boolean {
  const cell = Atomics.load(state, CELL);
  const acked = Atomics.load(state, ACK);
  port.postMessage({ sigint: cell });
  if (cell === 0) return false;
  if (untilAcknowledged(acked, Date.now() + GRACE_MS)) return true;
  if (Atomics.load(state, ACK) !== acked || Atomics.load(state, CELL) !== cell) return false;
  const disconnect = breakIn();
  // The main thread reads the SIGINT message once its loop runs again.
  const again = untilAcknowledged(acked, Date.now() + BREAK_IN_MS);
  disconnect();
  return again;
}

while (Atomics.load(state, STOP) === 0) {
  let interrupted = watching(() => waitForStop.runInContext(context, { breakOnSigint: true, displayErrors: false }));
  while (interrupted) interrupted = onSigint();
}
