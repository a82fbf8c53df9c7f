/**
 * WatchdogApp (`jaffle.app.watchdog.WatchdogApp`): file watching in the supervisor, so a
 * wedged or restarting kernel never stops it. Each handler watches its `watch_path`;
 * handlers sharing a path share one chokidar watcher.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { AppContext, JaffleApp } from "../api.js";
import { WatchdogHandler } from "./handler.js";
import { watchdogDescriptor } from "./descriptor.js";
import { watchDirectory, type DirectoryWatcher } from "./watcher.js";

export { fnmatch, translate } from "./fnmatch.js";
export { EventGate } from "./gate.js";
export { routedAppName } from "./handler.js";

export class WatchdogApp implements JaffleApp {
  readonly handlers: WatchdogHandler[];
  private watchers: DirectoryWatcher[] | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly context: AppContext) {
    const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(context.projectDir, p));
    const options = watchdogDescriptor
      .parseOptions(context.options, context.name)
      .map((handler) => ({ ...handler, watchPath: resolvePath(handler.watchPath) }));
    this.handlers = options.map((o, i) => new WatchdogHandler(o, context, options.length > 1 ? ` [handler ${i}]` : ""));
  }

  /**
   * Starts watching; resolves once every watcher finished its initial scan, so a file
   * written after `setup()` resolved is seen. Called again after a kernel restart: the
   * watchers live in the supervisor and simply keep running.
   */
  setup(): Promise<void> {
    this.starting ??= this.startWatching();
    return this.starting;
  }

  private async startWatching(): Promise<void> {
    const byPath = new Map<string, WatchdogHandler[]>();
    for (const handler of this.handlers) {
      const list = byPath.get(handler.options.watchPath) ?? [];
      list.push(handler);
      byPath.set(handler.options.watchPath, list);
    }
    for (const path of byPath.keys()) {
      // chokidar waits for a missing path to appear; say so, since it is usually a typo.
      if (!existsSync(path)) this.context.logger.warning(`watch_path ${path} does not exist (yet); watching for it`);
    }
    const runtimeDir = this.context.runtimeDir ? resolve(this.context.projectDir, this.context.runtimeDir) : undefined;
    this.watchers = [...byPath].map(([path, handlers]) =>
      watchDirectory(path, {
        runtimeDir,
        onEvent: (event) => handlers.forEach((h) => h.offer(event)),
        onError: (error) => this.context.logger.warning(`watching ${path}: ${error.message}`),
      }),
    );
    await Promise.all(this.watchers.map((w) => w.ready));
    this.context.logger.debug(`watching ${[...byPath.keys()].join(", ")}`);
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await Promise.all((this.watchers ?? []).map((w) => w.close()));
    await Promise.all(this.handlers.map((h) => h.close()));
    this.watchers = [];
  }
}
