/**
 * One run of `jaffle start` in the foreground, on top of startJaffle(): what only a
 * command line needs (Ctrl-C and SIGTERM, process-wide error handlers, the exit code):
 *
 *   startJaffle ─► ready (or not) ─► wait for a signal / --exit-when-ready ─► stop()
 */
import { ConfigError, formatIssue } from "../config/index.js";
import type { LogFormat } from "../log/hub.js";
import type { Level } from "../log/logger.js";
import { handleShutdownSignals } from "./signals.js";
import { StartFailedError, startJaffle, type JaffleHandle } from "./start-jaffle.js";

export interface SessionOptions {
  files: string[];
  variablesJson?: string;
  /** `--var name=value`, in order. */
  vars: string[];
  /** Ctrl-C shuts down without asking. */
  yes: boolean;
  /** --debug / --log-level; undefined: the root logger block's level, else info. */
  level?: Level;
  format: LogFormat;
  color: boolean;
  runtimeDir?: string;
  exitWhenReady: boolean;
  readyTimeoutMs: number;
  /** The directory jaffle runs in (default: the current directory). */
  projectDir?: string;
  /** Where errors that come before the log exists go (default: process.stderr). */
  stderr?: NodeJS.WritableStream;
  /** Lines kept in memory for `jaffle logs`. */
  logHistory?: number;
  /** Reload when a configuration file changes (`--no-reload`: false). */
  watchConfig: boolean;
}

/** Exit codes: 0 clean shutdown or ready with --exit-when-ready; 1 anything else. */
export async function runSession(options: SessionOptions): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  // Made before the start: `jaffle stop` over the control socket may come at any time.
  let requestShutdown!: (reason: string) => void;
  const shutdownRequested = new Promise<string>((resolve) => (requestShutdown = resolve));
  let jaffle: JaffleHandle;
  try {
    jaffle = await startJaffle({
      configFiles: options.files,
      cwd: options.projectDir ?? process.cwd(),
      variablesJson: options.variablesJson,
      vars: options.vars,
      env: process.env,
      logLevel: options.level,
      logFormat: options.format,
      color: options.color,
      runtimeDir: options.runtimeDir,
      readyTimeoutMs: options.readyTimeoutMs,
      logHistory: options.logHistory,
      watchConfig: options.watchConfig,
      onStopRequest: (reason) => requestShutdown(reason),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const issue of error.errors) stderr.write(`${formatIssue(issue)}\n`);
      return 1;
    }
    if (error instanceof StartFailedError) return 1;
    throw error;
  }
  return supervise(jaffle, options, shutdownRequested, requestShutdown);
}

async function supervise(
  jaffle: JaffleHandle,
  options: SessionOptions,
  shutdownRequested: Promise<string>,
  requestShutdown: (reason: string) => void,
): Promise<number> {
  const logger = jaffle.logger;
  // Waiting for a signal is waiting on a promise, which does not keep Node running: when
  // nothing else holds the event loop (every kernel given up, no process), the run must
  // still go on until it is told to stop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let exitCode = 0;
  const closeQuestion = handleShutdownSignals({
    confirmInterrupt: Boolean(process.stdin.isTTY) && !options.yes,
    logger,
    shutdown: (reason) => requestShutdown(reason),
    force: (reason) => {
      const killed = jaffle.kill();
      logger.warning(
        `${reason} during shutdown: killed ${killed.length > 0 ? killed.join(", ") : "nothing (all gone)"}`,
      );
      exitCode = 1;
    },
  });
  // A plugin's stray rejection must not take the whole run down with it.
  const onRejection = (reason: unknown) =>
    logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  process.on("unhandledRejection", onRejection);
  // A bug that throws out of an event handler: say so, then shut down in order rather
  // than die with the log unflushed (the reaper would end the children either way).
  const onException = (error: Error) => {
    logger.critical(`uncaught exception: ${error.stack ?? error.message}`);
    exitCode = 1;
    requestShutdown("uncaught exception");
  };
  process.on("uncaughtException", onException);

  // --exit-when-ready ends at the first failure, not when the rest is done or timed out.
  const failures: string[] = [];
  let firstFailure!: () => void;
  const failed = new Promise<void>((resolve) => (firstFailure = resolve));
  jaffle.onFailure((line) => {
    failures.push(line);
    firstFailure();
  });

  try {
    const outcome = await Promise.race([
      jaffle.ready.then((report) => ({ kind: "started" as const, report })),
      shutdownRequested.then((reason) => ({ kind: "signal" as const, reason })),
      ...(options.exitWhenReady ? [failed.then(() => ({ kind: "failed" as const }))] : []),
    ]);
    if (outcome.kind === "signal") {
      logger.info(`${outcome.reason}: shutting down before the run was ready`);
    } else if (outcome.kind === "failed" || (options.exitWhenReady && !outcome.report.ready)) {
      // Each failure was logged as it happened, one line each; the status file shows it.
      const count = Math.max(
        failures.length,
        outcome.kind === "started" && !outcome.report.ready ? outcome.report.failures.length : 0,
      );
      logger.error(`--exit-when-ready: ${count} failure${count === 1 ? "" : "s"}; exiting 1`);
      exitCode = 1;
    } else if (!options.exitWhenReady) {
      const reason = await shutdownRequested;
      logger.info(`${reason}: shutting down`);
    }
  } finally {
    await jaffle.stop();
    clearInterval(keepAlive);
    closeQuestion();
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  }
  return exitCode;
}
