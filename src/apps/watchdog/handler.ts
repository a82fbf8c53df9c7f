/**
 * One entry of WatchdogApp's `handlers`: filters raw events by its patterns, passes them
 * through throttle/debounce, then acts on each event in order: clear the module cache,
 * run the code blocks, run the jobs, route to apps. Actions of one handler never overlap
 * (a restart must finish before the next one starts); while one runs, later events
 * queue, and an event identical to one already queued is not queued twice.
 */
import type { AppContext, WatchdogEvent } from "../api.js";
import { dialectFor } from "../dialect/index.js";
import { anyMatcher, type PathMatcher } from "./fnmatch.js";
import { EventGate } from "./gate.js";
import type { HandlerOptions } from "./descriptor.js";
import { toWatchdogEvent, type RawEvent } from "./watcher.js";

/** `NAME.handle_watchdog_event({event})` / `NAME.handleWatchdogEvent({event})`, nothing else. */
const ROUTED_CODE_BLOCK =
  /^\s*([A-Za-z_$][\w$]*)\s*\.\s*(?:handle_watchdog_event|handleWatchdogEvent)\s*\(\s*\{event\}\s*\)\s*;?\s*$/;

export function routedAppName(codeBlock: string): string | undefined {
  return ROUTED_CODE_BLOCK.exec(codeBlock)?.[1];
}

export function describeEvent(event: WatchdogEvent): string {
  const what = event.is_directory ? "directory " : "";
  return event.dest_path !== undefined
    ? `${event.event_type} ${what}${event.src_path} -> ${event.dest_path}`
    : `${event.event_type} ${what}${event.src_path}`;
}

export class WatchdogHandler {
  private readonly include: PathMatcher;
  private readonly exclude: PathMatcher;
  private readonly gate: EventGate<WatchdogEvent>;
  private readonly queue: WatchdogEvent[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  /** Count of events handled (for tests and status). */
  handled = 0;

  constructor(
    readonly options: HandlerOptions,
    private readonly context: AppContext,
    private readonly label: string,
  ) {
    this.include = anyMatcher(options.patterns, options.caseSensitive);
    this.exclude = anyMatcher(options.ignorePatterns, options.caseSensitive);
    this.gate = new EventGate<WatchdogEvent>(options, (event, burst) => this.enqueue(event, burst));
  }

  /** watchdog's PatternMatchingEventHandler: a path counts if included and not excluded. */
  private matchesPath(path: string): boolean {
    return this.include(path) && !this.exclude(path);
  }

  offer(raw: RawEvent): void {
    if (this.closed) return;
    if (raw.isDirectory && this.options.ignoreDirectories) return;
    const paths = raw.destPath !== undefined ? [raw.path, raw.destPath] : [raw.path];
    if (!paths.some((p) => this.matchesPath(p))) return;
    this.gate.push(toWatchdogEvent(raw, this.context.projectDir));
  }

  private enqueue(event: WatchdogEvent, burst: number): void {
    const suffix = burst > 1 ? ` (last of ${burst} events)` : "";
    this.context.logger.info(`${describeEvent(event)}${suffix}${this.label}`);
    const same = (e: WatchdogEvent) =>
      e.event_type === event.event_type && e.src_path === event.src_path && e.dest_path === event.dest_path;
    if (!this.queue.some(same)) this.queue.push(event);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event && !this.closed; event = this.queue.shift()) {
      await this.handle(event);
    }
  }

  /** Every step is guarded: one failing code block, job or app never stops the others. */
  async handle(event: WatchdogEvent): Promise<void> {
    this.handled++;
    const { kernel } = this.context;
    const kernelBlocks = this.options.codeBlocks.filter((code) => !this.routedApp(code));
    if (this.options.clearCache.length > 0 && kernelBlocks.length > 0) {
      await this.step("clear_cache", async () => {
        const outcome = await kernel.execute(
          dialectFor(kernel.language).clearModuleCache(this.options.clearCache, this.context.projectDir),
          { silent: true },
        );
        if (outcome.status === "error") throw new Error(`${outcome.ename}: ${outcome.evalue}`);
      });
    }
    for (const code of this.options.codeBlocks) {
      const app = this.routedApp(code);
      if (app) {
        await this.step(`${routedAppName(code)}.handleWatchdogEvent`, () => app.handleWatchdogEvent!(event));
        continue;
      }
      await this.step(`code block ${JSON.stringify(code)}`, async () => {
        const source = code.replaceAll("{event}", dialectFor(kernel.language).literal(event));
        const outcome = await kernel.execute(source);
        // The kernel's error and traceback were logged by the supervisor already.
        if (outcome.status === "error") throw new Error(`${outcome.ename}: ${outcome.evalue}`);
        if (outcome.status === "aborted") throw new Error("aborted by the kernel");
      });
    }
    for (const job of this.options.jobs) {
      await this.step(`job "${job}"`, async () => {
        const outcome = await this.context.runJob(job);
        if (!outcome.ok)
          throw new Error(outcome.signal ? `killed by ${outcome.signal}` : `exit code ${String(outcome.exitCode)}`);
      });
    }
    for (const name of this.options.apps) {
      await this.step(`app "${name}"`, async () => {
        const app = this.context.app(name);
        if (!app) throw new Error(`no app named "${name}" in this run`);
        if (!app.handleWatchdogEvent) throw new Error(`app "${name}" does not handle watchdog events`);
        await app.handleWatchdogEvent(event);
      });
    }
  }

  private routedApp(code: string) {
    const name = routedAppName(code);
    const app = name === undefined || name === this.context.name ? undefined : this.context.app(name);
    return app?.handleWatchdogEvent ? app : undefined;
  }

  private async step(what: string, action: () => Promise<unknown> | unknown): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.context.logger.error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Resolves once the event being handled (if any) is done; queued ones are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    this.gate.close();
    this.queue.length = 0;
    await this.running;
  }
}
