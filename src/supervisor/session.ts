/**
 * One run of `jaffle start`, from loading the configuration to the exit code:
 *
 *   config ─► log hub ─► runtime dir (lock, stale clean-up) ─► reaper ─► supervisor
 *     ─► ready (or not) ─► wait for a signal / --exit-when-ready ─► shutdown
 *     ─► reaper closed ─► runtime files removed ─► log flushed
 *
 * Whatever happens after the runtime directory is taken, the tail of that chain runs,
 * so nothing is left behind and the last log lines are written.
 */
import { builtinApps } from "../apps/catalog.js";
import { ConfigError, formatIssue, initExpressionEngine, loadConfig, type JaffleConfig } from "../config/index.js";
import { LogHub, type LogFormat } from "../log/hub.js";
import type { Level, Logger } from "../log/logger.js";
import { Reaper } from "../process/reaper.js";
import { acquireRuntimeDir, resolveRuntimeDir, type RuntimeDir } from "../runtime/runtime-dir.js";
import { StatusBook } from "../runtime/status-book.js";
import { errorText, withTimeout } from "./app-slot.js";
import { handleShutdownSignals } from "./signals.js";
import { Supervisor } from "./supervisor.js";

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
}

/** True when some logger block has replace rules (they need the expression engine). */
function usesReplaceRules(config: JaffleConfig): boolean {
  const blocks = [
    config.logger,
    ...[config.app, config.process, config.job].flatMap((map) => Object.values(map).map((b) => b.logger)),
  ];
  return blocks.some((logger) => (logger?.replace_regex?.length ?? 0) > 0);
}

/** Exit codes: 0 clean shutdown or ready with --exit-when-ready; 1 anything else. */
export async function runSession(options: SessionOptions): Promise<number> {
  const projectDir = options.projectDir ?? process.cwd();
  const stderr = options.stderr ?? process.stderr;
  // The guardian starts while the configuration loads: both take a moment.
  const reaperStart = Reaper.start();
  reaperStart.catch(() => undefined);
  try {
    let config: JaffleConfig;
    try {
      config = await loadConfig(options.files, {
        variablesJson: options.variablesJson,
        vars: options.vars,
        env: process.env,
        cwd: projectDir,
        apps: builtinApps,
      });
    } catch (error) {
      if (error instanceof ConfigError) {
        for (const issue of error.errors) stderr.write(`${formatIssue(issue)}\n`);
        return 1;
      }
      throw error;
    }
    // Loading jq's WebAssembly costs most of a second: only when a rule needs it.
    if (usesReplaceRules(config)) await initExpressionEngine();

    const hub = new LogHub({
      format: options.format,
      color: options.color,
      level: options.level ?? config.logger.level ?? "info",
      root: config.logger,
    });
    const logger = hub.logger("jaffle");
    // Taking the directory may refuse (another jaffle runs here): a UserError, before
    // anything was started.
    const runtime = acquireRuntimeDir(resolveRuntimeDir(projectDir, options.runtimeDir));
    try {
      if (runtime.previous.kind === "stale") {
        const who = runtime.previous.pid ? ` (pid ${runtime.previous.pid})` : "";
        logger.warning(
          `removed the stale runtime files of a jaffle that is no longer running${who} from ${runtime.path}`,
        );
      }
      let reaper: Reaper;
      try {
        reaper = await reaperStart;
      } catch (error) {
        logger.critical(`cannot start: ${errorText(error)}`);
        return 1;
      }
      return await supervise(options, config, projectDir, runtime, hub, logger, reaper);
    } finally {
      runtime.release();
      await hub.flush();
    }
  } finally {
    // Already closed after a run; this ends the guardian when we stopped before one.
    await (await reaperStart.catch(() => undefined))?.close();
  }
}

async function supervise(
  options: SessionOptions,
  config: JaffleConfig,
  projectDir: string,
  runtime: RuntimeDir,
  hub: LogHub,
  logger: Logger,
  reaper: Reaper,
): Promise<number> {
  const status = new StatusBook(projectDir, (snapshot) => runtime.writeStatus(snapshot));
  let supervisor: Supervisor;
  try {
    supervisor = new Supervisor({
      config,
      projectDir,
      runtimeDir: runtime.path,
      hub,
      logger,
      tracker: reaper,
      status,
      readyTimeoutMs: options.readyTimeoutMs,
      // Loaded on first use: the registry pulls in tsx (for plugins), which costs a good
      // part of a start-up, and by then the kernels are already starting.
      resolveAppClass: async (className, dir, language) =>
        (await import("../apps/registry.js")).resolveAppClass(className, dir, language),
    });
  } catch (error) {
    logger.critical(`cannot start: ${errorText(error)}`);
    status.close();
    await reaper.close();
    return 1;
  }

  // Waiting for a signal is waiting on a promise, which does not keep Node running: when
  // nothing else holds the event loop (every kernel given up, no process), the run must
  // still go on until it is told to stop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let exitCode = 0;
  let forced!: () => void;
  const forcedShutdown = new Promise<void>((resolve) => (forced = resolve));
  let requestShutdown!: (reason: string) => void;
  const shutdownRequested = new Promise<string>((resolve) => (requestShutdown = resolve));
  const closeQuestion = handleShutdownSignals({
    confirmInterrupt: Boolean(process.stdin.isTTY) && !options.yes,
    logger,
    shutdown: (reason) => requestShutdown(reason),
    force: (reason) => {
      const killed = supervisor.killAll();
      logger.warning(
        `${reason} during shutdown: killed ${killed.length > 0 ? killed.join(", ") : "nothing (all gone)"}`,
      );
      exitCode = 1;
      forced();
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

  try {
    const starting = supervisor.start();
    const outcome = await Promise.race([
      starting.then((report) => ({ kind: "started" as const, report })),
      shutdownRequested.then((reason) => ({ kind: "signal" as const, reason })),
    ]);
    if (outcome.kind === "signal") {
      logger.info(`${outcome.reason}: shutting down before the run was ready`);
    } else if (options.exitWhenReady) {
      const { report } = outcome;
      if (!report.ready) {
        logger.error(`--exit-when-ready: not ready: ${report.failures.join("; ")}`);
        exitCode = 1;
      }
    } else {
      const reason = await shutdownRequested;
      logger.info(`${reason}: shutting down`);
    }
    const orderly = (async () => {
      await supervisor.shutdown();
      // A start cut short by the shutdown winds down by itself (every step checks);
      // wait for it so no late step runs after the runtime files are gone.
      await withTimeout(starting, 10_000, "the interrupted start").catch((error: unknown) =>
        logger.warning(errorText(error)),
      );
    })();
    // Forced: everything got SIGKILL; don't wait for polite steps that can only time out.
    await Promise.race([orderly, forcedShutdown.then(() => supervisor.waitForGroups(2_000))]);
  } catch (error) {
    logger.critical(`supervisor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitCode = 1;
    await supervisor.shutdown().catch(() => undefined);
  } finally {
    clearInterval(keepAlive);
    status.close();
    await reaper.close();
    closeQuestion();
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  }
  return exitCode;
}
