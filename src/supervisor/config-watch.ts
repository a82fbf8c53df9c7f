/**
 * Automatic reload: watches the configuration files of the run and calls `onChange`
 * once a burst of changes has settled (an editor's save is often several events:
 * write, rename, chmod). Turned off with `jaffle start --no-reload`.
 */
import { resolve } from "node:path";
import type { Logger } from "../log/logger.js";

/** Quiet time after the last event before the reload runs. */
const SETTLE_MS = 200;

export interface ConfigWatch {
  close(): Promise<void>;
}

export function watchConfigFiles(
  files: string[],
  projectDir: string,
  logger: Logger,
  onChange: () => void,
): ConfigWatch {
  const paths = files.map((file) => resolve(projectDir, file));
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = (path: string) => {
    logger.debug(`configuration file changed: ${path}`);
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  // chokidar loads here, once the kernels were spawned, not before the first spawn.
  const watching = import("chokidar").then(
    ({ watch }) => {
      if (closed) return undefined;
      // atomic: an editor's "write a temp file, rename it over" is one change, not unlink+add.
      const watcher = watch(paths, { ignoreInitial: true, atomic: true });
      watcher.on("change", changed);
      watcher.on("add", changed);
      watcher.on("error", (error) => logger.warning(`watching the configuration files: ${String(error)}`));
      return watcher;
    },
    (error: unknown) => {
      logger.warning(`cannot watch the configuration files: ${String(error)}`);
      return undefined;
    },
  );
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await (await watching)?.close();
    },
  };
}
