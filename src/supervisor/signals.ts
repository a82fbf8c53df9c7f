/**
 * How `jaffle start` reacts to signals:
 * - SIGTERM, SIGHUP (the terminal went away), and SIGINT when stdin is not a terminal
 *   or `-y` was given: shut down at once.
 * - SIGINT (Ctrl-C) on a terminal: Jaffle's question "Shutdown this jaffle (y/[n])?",
 *   open for 5 s; "y" or a second Ctrl-C shuts down, anything else (or no answer) goes on.
 * - Any of them again while shutting down: kill every process group right now.
 *
 * Kernels and processes run in their own process groups, so a Ctrl-C typed at the
 * terminal reaches only the supervisor, which then decides.
 */
import type { Logger } from "../log/logger.js";
import { firstLine } from "../shared/text.js";

export const SHUTDOWN_QUESTION = "Shutdown this jaffle (y/[n])? ";
const QUESTION_TIMEOUT_MS = 5_000;

export interface SignalHandlerOptions {
  /** Ask before a Ctrl-C shuts down (stdin is a terminal and no `-y`). */
  confirmInterrupt: boolean;
  logger: Logger;
  /** Begin the shutdown (called once). */
  shutdown(reason: string): void;
  /** A signal arrived during the shutdown: stop waiting, kill everything. */
  force(reason: string): void;
  input?: NodeJS.ReadStream;
  /** Where the question is written (the terminal). */
  prompt?: NodeJS.WritableStream;
}

/**
 * Installs the handlers for the rest of the process's life: once the shutdown has
 * begun, a further signal must force, not fall back to Node's default (die on the spot
 * with the runtime files and the last log lines not yet written). Returns a function
 * that closes a question still open, so stdin does not keep the process alive.
 */
export function handleShutdownSignals(options: SignalHandlerOptions): () => void {
  const input = options.input ?? process.stdin;
  const prompt = options.prompt ?? process.stderr;
  let shuttingDown = false;
  let asking: (() => void) | undefined;

  const shutdown = (reason: string) => {
    asking?.();
    if (shuttingDown) {
      options.force(reason);
      return;
    }
    shuttingDown = true;
    options.shutdown(reason);
  };

  const ask = () => {
    prompt.write(`\n${SHUTDOWN_QUESTION}`);
    let answer = "";
    const onData = (chunk: Buffer | string) => {
      answer += chunk.toString();
      if (!answer.includes("\n")) return;
      const yes = /^\s*y(es)?\s*$/i.test(firstLine(answer));
      close();
      if (yes) shutdown("answered yes");
      else options.logger.info("shutdown cancelled; still running");
    };
    const timer = setTimeout(() => {
      close();
      prompt.write("\n");
      options.logger.info("no answer within 5 s; still running");
    }, QUESTION_TIMEOUT_MS);
    const close = () => {
      clearTimeout(timer);
      input.off("data", onData);
      input.pause();
      asking = undefined;
    };
    asking = close;
    input.on("data", onData);
    input.resume();
  };

  const onTerm = () => shutdown("SIGTERM");
  const onHup = () => shutdown("SIGHUP");
  const onInt = () => {
    if (shuttingDown || !options.confirmInterrupt || asking) shutdown("SIGINT");
    else ask();
  };
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);
  process.on("SIGINT", onInt);
  return () => asking?.();
}
