/**
 * `startJaffle()`: the programmatic entry, for scripts and tests that drive jaffle, and
 * what `jaffle start` itself runs on (src/supervisor/session.ts adds signals and the
 * exit code). It resolves once everything was *launched*, with a handle:
 *
 *   const jaffle = await startJaffle({ configFiles: ["jaffle.hcl"], cwd: projectDir });
 *   const report = await jaffle.ready;     // { ready: true, ms } or { ready: false, failures }
 *   console.log(jaffle.status().apps);
 *   await jaffle.stop();                   // everything ended, runtime files removed, log flushed
 *
 * The chain is config ─► log hub ─► runtime dir (lock, stale clean-up) ─► guardian ─►
 * supervisor ─► start. Whatever happens once the runtime directory is taken, stop()
 * (or a failure on the way) runs its tail, so nothing is left behind.
 */
import { builtinApps } from "../apps/catalog.js";
import { kernelBlockHints } from "../apps/kernel-hint.js";
import {
  ConfigError,
  DEFAULT_CONFIG_FILES,
  formatIssue,
  initExpressionEngine,
  loadConfig,
  type JaffleConfig,
  type VariableValue,
} from "../config/index.js";
import { LogRing } from "../control/log-ring.js";
import { ControlServer } from "../control/server.js";
import { watchConfigFiles, type ConfigWatch } from "./config-watch.js";
import { LogHub, type LogFormat } from "../log/hub.js";
import type { Level, Logger } from "../log/logger.js";
import { Reaper } from "../process/reaper.js";
import { acquireRuntimeDir, resolveRuntimeDir, type RuntimeDir } from "../runtime/runtime-dir.js";
import type { RuntimeStatus } from "../runtime/status.js";
import { StatusBook } from "../runtime/status-book.js";
import { errorText, withTimeout } from "./app-slot.js";
import { Supervisor, type ReadyReport } from "./supervisor.js";
import { JaffleError } from "../errors.js";

export type { ReadyReport } from "./supervisor.js";
export type { RuntimeStatus } from "../runtime/status.js";

export interface StartJaffleOptions {
  /** Configuration files, merged in order, relative to `cwd` (default `["jaffle.hcl"]`). */
  configFiles?: string[];
  /** The project directory jaffle runs in (default: `process.cwd()`). */
  cwd?: string;
  /** Variable values by name, as `--var name=value` gives them (they win over J_VAR_*). */
  variables?: Record<string, VariableValue>;
  /** Jaffle's `--variables` value: a JSON list `["name=value"]` or a JSON object. */
  variablesJson?: string;
  /** `--var name=value` strings, in order (win over `variables`). */
  vars?: string[];
  /** The environment for J_VAR_*, `${NAME}`, env() and exec() (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The threshold of every source without its own level (default: the root logger block's, else info). */
  logLevel?: Level;
  /** `pretty` (Jaffle's layout, default) or `json` (pino's lines). */
  logFormat?: LogFormat;
  /** ANSI colours in pretty lines (default false). */
  color?: boolean;
  /** Where log lines go (default: process.stdout). */
  logOutput?: NodeJS.WritableStream;
  /** The runtime directory, relative to `cwd` (default `.jaffle`). */
  runtimeDir?: string;
  /** How long the run may take to become ready (default 60 000 ms). */
  readyTimeoutMs?: number;
  /** Log lines kept in memory for `jaffle logs` (default 10 000). */
  logHistory?: number;
  /** Reload by itself when a configuration file changes (default false; `jaffle start`: true). */
  watchConfig?: boolean;
  /**
   * `jaffle stop` over the control socket asked the run to end (default: stop()). The
   * CLI passes its own, so a stop request ends the run the way a signal does.
   */
  onStopRequest?: (reason: string) => void;
}

/** A running jaffle. */
export interface JaffleHandle {
  /** The project directory and the runtime directory (absolute). */
  readonly cwd: string;
  readonly runtimeDir: string;
  /** jaffle's own logger (the `jaffle` source): a script's lines in the same stream. */
  readonly logger: Logger;
  /**
   * Settles once the start is over: `{ ready: true }` when every kernel, app and process
   * is up and every readiness check passed, else `{ ready: false, failures }` (one line
   * each). It never rejects; the run goes on either way until stop().
   */
  readonly ready: Promise<ReadyReport>;
  /** What runs now: kernels, apps and processes with pids and states (the status file's content). */
  status(): RuntimeStatus;
  /** `jaffle restart NAME`: resolves with the line saying what was restarted once it is ready again. */
  restart(name: string): Promise<string>;
  /** `jaffle reload`: rejects with a one-line reason when the files have errors (logged at file:line:col). */
  reload(): Promise<{ line: string; failures: number }>;
  /**
   * `listener` hears every failure from now on, as it happens (a kernel, app or process
   * that failed, a check that did not pass), one line each: `app api failed: reason`.
   * The status file already shows it when the listener runs.
   */
  onFailure(listener: (line: string) => void): void;
  /**
   * Orderly shutdown: apps stopped, kernels shut down, process groups ended, runtime files
   * removed, log flushed. Idempotent; every call resolves once it is all done.
   */
  stop(): Promise<void>;
  /**
   * SIGKILL to every process group now (a second signal during shutdown); a pending
   * stop() then only waits briefly for the groups to go. Names what was killed.
   */
  kill(): string[];
}

/**
 * Thrown by startJaffle when something failed after the log existed; the log already
 * holds the reason, so the CLI does not print it again.
 */
export class StartFailedError extends JaffleError {}

/** True when some logger block has replace rules (they need the expression engine). */
function usesReplaceRules(config: JaffleConfig): boolean {
  const blocks = [
    config.logger,
    ...[config.app, config.process, config.job].flatMap((map) => Object.values(map).map((b) => b.logger)),
  ];
  return blocks.some((logger) => (logger?.replace_regex?.length ?? 0) > 0);
}

/** `variables` as `--var` strings: lists and dicts as JSON, the way the CLI reads them. */
function variableArgs(variables: Record<string, VariableValue> | undefined): string[] {
  return Object.entries(variables ?? {}).map(
    ([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}

/**
 * Loads the configuration and starts everything in it. Rejects with a ConfigError (its
 * `errors` name file:line:col) when the configuration is wrong, with a RuntimeDirError
 * when another jaffle runs in the directory, with StartFailedError when the
 * guardian or the supervisor could not be set up (already logged).
 */
export async function startJaffle(options: StartJaffleOptions = {}): Promise<JaffleHandle> {
  const cwd = options.cwd ?? process.cwd();
  // The guardian starts while the configuration loads and the kernels launch: each takes
  // a moment. It tracks groups from now on; the start fails if it does not come up.
  const guardian = Reaper.launch();
  guardian.ready.catch(() => undefined);
  const closeReaper = () => guardian.reaper.close();
  let hub: LogHub | undefined;
  let runtime: RuntimeDir | undefined;
  try {
    const configFiles = options.configFiles ?? DEFAULT_CONFIG_FILES;
    const load = async () => {
      const loaded = await loadConfig(configFiles, {
        variablesJson: options.variablesJson,
        vars: [...variableArgs(options.variables), ...(options.vars ?? [])],
        env: options.env ?? process.env,
        cwd,
        apps: builtinApps,
      });
      // A Jaffle file's Python app on a kernel block that is the Node kernel here: refused
      // now with the fix, instead of an obscure failure inside the kernel later.
      const hints = kernelBlockHints(loaded);
      const configFile = configFiles[0] ?? "jaffle.hcl";
      if (hints.length > 0)
        throw new ConfigError(hints.map((message) => ({ file: configFile, line: 0, column: 0, message })));
      return loaded;
    };
    const config = await load();
    // Loading jq's WebAssembly costs most of a second: only when a rule needs it.
    if (usesReplaceRules(config)) await initExpressionEngine();
    hub = new LogHub({
      format: options.logFormat ?? "pretty",
      color: options.color ?? false,
      level: options.logLevel ?? config.logger.level ?? "info",
      root: config.logger,
      out: options.logOutput,
      // `${var.NAME}`, `${env(...)}` and `exec()` in a replace_regex `to` are rendered per
      // line with the run's resolved variables, environment and project directory.
      replace: {
        variables: Object.fromEntries(Object.entries(config.variable).map(([name, v]) => [name, v.value])),
        env: options.env ?? process.env,
        cwd,
      },
    });
    // Every line from the first one on, for `jaffle logs`.
    const ring = new LogRing(options.logHistory);
    hub.onRecord((record) => ring.push(record));
    const logger = hub.logger("jaffle");
    // Taking the directory may refuse (another jaffle runs here), before anything started.
    runtime = acquireRuntimeDir(resolveRuntimeDir(cwd, options.runtimeDir));
    if (runtime.previous.kind === "stale") {
      const who = runtime.previous.pid ? ` (pid ${runtime.previous.pid})` : "";
      logger.warning(
        `removed the stale runtime files of a jaffle that is no longer running${who} from ${runtime.path}`,
      );
    }
    return await launch({
      config,
      load,
      cwd,
      options,
      runtime,
      hub,
      ring,
      logger,
      reaper: guardian.reaper,
      reaperReady: guardian.ready,
    });
  } catch (error) {
    runtime?.release();
    await hub?.flush();
    await closeReaper();
    throw error;
  }
}

interface Launch {
  config: JaffleConfig;
  /** Loads the configuration files again, with the same variables (for reloads). */
  load: () => Promise<JaffleConfig>;
  cwd: string;
  options: StartJaffleOptions;
  runtime: RuntimeDir;
  hub: LogHub;
  ring: LogRing;
  logger: Logger;
  reaper: Reaper;
  /** Settles once the guardian listens; rejects if it could not start. */
  reaperReady: Promise<void>;
}

async function launch(run: Launch): Promise<JaffleHandle> {
  const { config, cwd, runtime, hub, logger, reaper } = run;
  const readyTimeoutMs = run.options.readyTimeoutMs ?? 60_000;
  const status = new StatusBook(cwd, (snapshot) => runtime.writeStatus(snapshot));
  let registry: Promise<typeof import("../apps/registry.js")> | undefined;
  const loadRegistry = () => (registry ??= import("../apps/registry.js"));
  let supervisor: Supervisor;
  try {
    supervisor = new Supervisor({
      config,
      projectDir: cwd,
      runtimeDir: runtime.path,
      hub,
      logger,
      tracker: reaper,
      status,
      readyTimeoutMs,
      resolveAppClass: async (className, dir, language) =>
        (await loadRegistry()).resolveAppClass(className, dir, language),
    });
  } catch (error) {
    logger.critical(`cannot start: ${errorText(error)}`);
    status.close();
    throw new StartFailedError(`cannot start: ${errorText(error)}`);
  }

  // The status file shows a failure before anyone hears of it (and exits on it).
  supervisor.onFailure(() => supervisor.flushStatus());
  const reload = async (): Promise<{ line: string; failures: number }> => {
    let next: JaffleConfig;
    try {
      next = await run.load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.errors) logger.error(formatIssue(issue));
      const count = error.errors.length === 1 ? "an error" : `${error.errors.length} errors`;
      const line = `reload: the configuration has ${count}; the run goes on unchanged`;
      logger.error(line);
      throw new Error(line, { cause: error });
    }
    if (usesReplaceRules(next)) await initExpressionEngine();
    return supervisor.reload(next);
  };
  let requestStop = run.options.onStopRequest;
  // Kernels launch first (their start is the longest step), while the control socket
  // and the configuration watch are set up.
  const starting = (async (): Promise<ReadyReport> => {
    const report = supervisor.start();
    report.catch(() => undefined);
    try {
      await run.reaperReady;
    } catch (error) {
      // Without the guardian a killed supervisor could leave children behind: nothing runs.
      const line = `cannot start: ${errorText(error)}`;
      logger.critical(line);
      await supervisor.shutdown();
      await report.catch(() => undefined);
      return { ready: false, ms: performance.now(), failures: [line] };
    }
    return report;
  })();
  starting.catch(() => undefined);
  // The built-in app classes load while the kernels start.
  loadRegistry().then(
    (r) => Object.values(config.app).forEach((app) => r.preloadBuiltinAppClass(app.class)),
    () => undefined,
  );
  const listening = ControlServer.listen(
    runtime.path,
    {
      status: () => status.snapshot,
      stop: (reason) => (requestStop ? requestStop(reason) : void handle.stop()),
      restart: async (names) => {
        const lines: string[] = [];
        for (const name of names) lines.push(await supervisor.restart(name));
        return lines;
      },
      reload,
    },
    run.ring,
    logger,
  );
  let control: ControlServer | undefined;
  try {
    control = await listening;
  } catch (error) {
    // What the start launched meanwhile ends before the failure is reported.
    await supervisor.shutdown();
    await starting.catch(() => undefined);
    throw error;
  }
  const watcher: ConfigWatch | undefined = run.options.watchConfig
    ? watchConfigFiles(run.options.configFiles ?? DEFAULT_CONFIG_FILES, cwd, logger, () => {
        reload().catch(() => undefined);
      })
    : undefined;

  const ready = starting.catch((error: unknown): ReadyReport => {
    logger.critical(`supervisor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { ready: false, ms: performance.now(), failures: [`supervisor failed: ${errorText(error)}`] };
  });
  let stopped: Promise<void> | undefined;
  let forced!: () => void;
  const forcedShutdown = new Promise<void>((resolve) => (forced = resolve));
  const stop = async () => {
    const orderly = (async () => {
      await supervisor.shutdown();
      // A start cut short by the shutdown winds down by itself (every step checks);
      // wait for it so no late step runs after the runtime files are gone.
      await withTimeout(ready, 10_000, "the interrupted start").catch((error: unknown) =>
        logger.warning(errorText(error)),
      );
    })();
    try {
      // Killed: everything got SIGKILL; don't wait for polite steps that can only time out.
      await Promise.race([orderly, forcedShutdown.then(() => supervisor.waitForGroups(2_000))]);
    } finally {
      requestStop = () => undefined;
      await watcher?.close();
      await control?.close();
      status.close();
      await reaper.close();
      runtime.release();
      await hub.flush();
    }
  };
  const handle: JaffleHandle = {
    cwd,
    runtimeDir: runtime.path,
    logger,
    ready,
    status: () => structuredClone(status.snapshot) as RuntimeStatus,
    onFailure: (listener) => supervisor.onFailure(listener),
    restart: (name) => supervisor.restart(name),
    reload,
    stop: () => (stopped ??= stop()),
    kill: () => {
      forced();
      return supervisor.killAll();
    },
  };
  return handle;
}
