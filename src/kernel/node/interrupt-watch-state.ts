/** The slots of the state the interrupt watch shares with the main thread (see interrupt-watch-worker.ts). */
export const STOP = 0;
export const CELL = 1;
export const ACK = 2;
export const SLOTS = 3;

/**
 * How long the main thread has to answer a SIGINT itself before the watch breaks in.
 * An event loop that is not blocked answers within milliseconds; this is far above that
 * on a loaded machine and still short for a person waiting on Ctrl-C.
 */
export const GRACE_MS = 500;

/** The symbol (Symbol.for) of the main thread's hook run just before the watch breaks in. */
export const BEFORE_BREAK_IN = "jaffle.kernel.beforeBreakIn";
