/**
 * The test runner app (Jaffle's PyTestRunnerApp): on a watchdog event it maps the
 * changed file to test targets (`auto_test`, `auto_test_map`, see glob-map.ts) and runs
 * them in its kernel: pytest in a Python kernel (pytest_runner.py), node:test in the
 * Node kernel (node-runner.ts). One event gives one run over all its targets; events
 * arriving during a run queue one more run with all their targets, not a pile. Each run
 * ends with one summary line (`4 passed, 1 failed in 0.21 s`).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { silentLogger } from "../../log/logger.js";
import type { AppContext, JaffleApp, WatchdogEvent } from "../api.js";
import { checkHandleName, dialectFor, type KernelDialect, type KernelRuntime } from "../dialect/index.js";
import { siblingModuleUrl } from "../dialect/kernel-files.js";
import {
  DEFAULT_PYTEST_ARGS,
  testRunnerDescriptor,
  type TestRunnerOptions,
  type TestRunnerSetup,
} from "./descriptor.js";
import { targetRules, targetsFor, type TargetRule } from "./glob-map.js";
import { summaryLine, type RunSummary } from "./summary.js";
import { beforeFirst } from "../../shared/text.js";

export const testRunnerRuntime: KernelRuntime = {
  what: "test runner",
  python: { module: "jaffle_pytest_runner", file: "apps/test-runner/pytest_runner.py" },
  javascript: () => siblingModuleUrl(import.meta.url, "./node-runner"),
  factory: { python: "create_runner", javascript: "createRunner" },
};

export class TestRunnerApp implements JaffleApp {
  readonly options: TestRunnerOptions;
  readonly dialect: KernelDialect;
  readonly handleName: string;
  private readonly rules: TargetRule[];
  /** Targets waiting for the next run. */
  private readonly pending = new Set<string>();
  /** The run going on (or the last one). */
  private current: Promise<void> | undefined;
  /** Settles when the run that will include the pending targets has finished. */
  private nextRun: Promise<void> | undefined;

  constructor(private readonly context: AppContext) {
    this.options = testRunnerDescriptor.parseOptions(context.options, context.name);
    this.dialect = dialectFor(context.kernel.language);
    this.handleName = checkHandleName(context.name, "a test runner");
    this.rules = targetRules(this.options.autoTest, this.options.autoTestMap);
  }

  async setup(): Promise<void> {
    const setup: TestRunnerSetup = {
      name: this.handleName,
      args: this.options.args ?? (this.dialect.family === "python" ? DEFAULT_PYTEST_ARGS : []),
      projectDir: this.context.projectDir,
      clearCache: this.options.clearCache ?? null,
    };
    const { kernel } = this.context;
    const outcome = await kernel.execute(this.dialect.loadRuntime(testRunnerRuntime, this.handleName, setup), {
      silent: true,
    });
    if (outcome.status === "error")
      throw new Error(`creating the test runner in kernel ${kernel.name} failed: ${outcome.ename}: ${outcome.evalue}`);
    if (outcome.status === "aborted") throw new Error(`creating the test runner in kernel ${kernel.name} was aborted`);
  }

  /** The targets an event's path maps to that exist; missing ones are skipped with a debug line. */
  targetsOf(event: WatchdogEvent): string[] {
    if (event.is_directory || event.event_type === "deleted") return [];
    const path = event.event_type === "moved" && event.dest_path ? event.dest_path : event.src_path;
    return targetsFor(path, this.rules).filter((target) => {
      const file = resolve(this.context.projectDir, beforeFirst(target, "::"));
      if (existsSync(file)) return true;
      this.context.logger.debug(`${target} (for ${path}) does not exist; skipped`);
      return false;
    });
  }

  async handleWatchdogEvent(event: WatchdogEvent): Promise<void> {
    const targets = this.targetsOf(event);
    if (targets.length === 0) return;
    await this.request(targets);
  }

  /**
   * Runs `targets` in the next run: at once, or right after the current one; targets
   * requested while a run is going all join that one next run.
   */
  request(targets: readonly string[]): Promise<void> {
    for (const target of targets) this.pending.add(target);
    this.nextRun ??= (this.current ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.nextRun = undefined;
        const batch = [...this.pending];
        this.pending.clear();
        this.current = this.run(batch).then(() => undefined);
        return this.current;
      });
    return this.nextRun;
  }

  /** One run over `targets`; logs its summary line and returns its counts. */
  async run(targets: readonly string[]): Promise<RunSummary> {
    const { kernel, logger } = this.context;
    logger.info(`testing ${targets.join(" ")}`);
    // The run's output is this app's log; its counts come back from a second, quiet call.
    const run = await kernel.execute(this.dialect.callHandle(this.handleName, "_jaffle_run", [targets]));
    const outcome =
      run.status === "ok"
        ? await kernel.execute(this.dialect.callHandle(this.handleName, "_jaffle_summary"), { logger: silentLogger })
        : run;
    if (outcome.status !== "ok" || outcome.result === undefined) {
      const why = outcome.status === "error" ? `${outcome.ename}: ${outcome.evalue}` : outcome.status;
      throw new Error(`the test run failed to run: ${why}`);
    }
    const summary = JSON.parse(outcome.result) as RunSummary;
    const line = summaryLine(summary);
    if (summary.failed > 0 || summary.error > 0) logger.warning(line);
    else logger.info(line);
    return summary;
  }
}
