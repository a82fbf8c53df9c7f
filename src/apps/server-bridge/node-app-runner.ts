/**
 * Runs one instance of the user's server class on the current thread's event loop:
 * load (fresh module graph), construct with argv, `start()` with its servers adopted by
 * a ServerScope, and a `stop()` that calls the app's own stop and then makes sure every
 * server it opened is closed, connections included, and its port released.
 * Used directly by the non-threaded bridge and inside the worker of the threaded one.
 */
import { evictRequireCache } from "../dialect/kernel-helpers.js";
import type { BridgeSetup } from "./descriptor.js";
import { loadAppClass, type EsmLoader, type LoadedClass, type ServerAppInstance } from "./node-loader.js";
import { ServerScope } from "./server-scope.js";

/** Modules to evict from require.cache are `clearCache`; absent = the project's own modules. */
export type RunnerOptions = Pick<BridgeSetup, "appClass" | "argv" | "projectDir" | "clearCache">;

/** Where the last start's time went, in ms (printed with each restart, for `npm run bench`). */
export interface StartPhases {
  /** Evicting the project's CommonJS modules from require.cache. */
  evict: number;
  /** Importing the app's module graph (fresh) and constructing the class. */
  load: number;
  /** start() until every server it opened listens. */
  listen: number;
}

export function describePhases(phases: StartPhases): string {
  return `evict ${phases.evict.toFixed(1)}, load ${phases.load.toFixed(1)}, listen ${phases.listen.toFixed(1)}`;
}

export class AppRunner {
  app: ServerAppInstance | undefined;
  /** The last successful start's phases. */
  phases: StartPhases | undefined;
  private scope: ServerScope | undefined;
  private loaded: LoadedClass | undefined;

  constructor(
    private readonly options: RunnerOptions,
    /** The ES module loader each start imports through (see loadAppClass). */
    private readonly esmLoader: () => Promise<EsmLoader>,
  ) {}

  /** The live server: the app's own `server` property, else the first one it listened on. */
  get server(): unknown {
    return this.app?.server ?? this.scope?.servers[0];
  }

  addresses(): string[] {
    return this.scope?.addresses() ?? [];
  }

  /**
   * Loads and starts the app; on failure everything it opened is closed again and the
   * error is thrown.
   */
  async start(): Promise<void> {
    const began = performance.now();
    evictRequireCache(this.options.projectDir, this.options.clearCache ?? undefined);
    const evicted = performance.now();
    const scope = new ServerScope();
    this.scope = scope;
    try {
      this.loaded = await loadAppClass(this.options.appClass, this.options.projectDir, this.esmLoader);
      const Cls = this.loaded.cls;
      const app = scope.run(() => new Cls([...this.options.argv]));
      if (typeof app.start !== "function")
        throw new TypeError(`app_class "${this.options.appClass}" has no start() method`);
      this.app = app;
      const loaded = performance.now();
      await Promise.race([scope.run(() => app.start()), scope.listenFailure]);
      await Promise.race([scope.allListening(), scope.listenFailure]);
      this.phases = { evict: evicted - began, load: loaded - evicted, listen: performance.now() - loaded };
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops the app: its own stop() first, then every server it opened is closed and its
   * connections destroyed. The two overlap on purpose: a stop() that waits for
   * `server.close()` would otherwise wait for idle keep-alive connections to time out.
   * A stop() error is rethrown once the servers are closed anyway.
   */
  async stop(options: { releaseLoader?: boolean } = {}): Promise<void> {
    const app = this.app;
    const scope = this.scope;
    const loaded = this.loaded;
    this.app = undefined;
    this.scope = undefined;
    this.loaded = undefined;
    let failure: unknown;
    let userStop: Promise<unknown> = Promise.resolve();
    try {
      if (app && typeof app.stop === "function") userStop = Promise.resolve(scope!.run(() => app.stop!()));
    } catch (error) {
      failure = error;
    }
    userStop = userStop.catch((error: unknown) => (failure ??= error));
    // Runs after stop()'s synchronous part (which usually calls server.close()).
    await scope?.close();
    await userStop;
    // A worker about to end skips this: its loader dies with it.
    if (options.releaseLoader !== false) await loaded?.release();
    if (failure !== undefined) throw failure;
  }
}
