/**
 * The server bridge's traitlets convention on real third-party software: Jupyter
 * Notebook's own `notebook.notebookapp.NotebookApp` (Debian's jupyter-notebook), created
 * as `NotebookApp()`, given `app.log`, `initialize(argv)` and `start()` in a real
 * ipykernel, in both modes: it answers GET /api/status, restarts on a watchdog event
 * (a new server on the same port) and stops cleanly (the port refuses connections).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ServerBridgeApp } from "../../src/apps/server-bridge/index.js";
import { KernelView } from "../../src/supervisor/kernel-view.js";
import { freePort, needsPython, tempDir } from "../helpers/index.js";
import { appContext, defer, recordingLogger, startKernel } from "./harness.js";

async function status(port: number): Promise<{ started: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/status`);
  assert.equal(response.status, 200);
  return (await response.json()) as { started: string };
}

for (const threaded of [true, false]) {
  const mode = threaded ? "threaded" : "shared IOLoop";
  test(
    `NotebookApp through the bridge (${mode}): /api/status answers, a watchdog event restarts it, stop frees the port`,
    { timeout: 180_000, ...needsPython("python3-tornado", "python3-traitlets", "python3-notebook") },
    async (t) => {
      const dir = tempDir(t);
      const port = await freePort();
      const { host } = await startKernel(t, { cwd: dir, kernelName: "python3", name: "py_kernel" });
      const logger = recordingLogger("notebook");
      const kernel = new KernelView(host, host.generation, logger);
      // Jupyter's config, data and runtime files stay in the test's directory.
      const jupyter = Object.fromEntries(
        ["config", "data", "runtime"].map((kind) => {
          const path = join(dir, "jupyter", kind);
          mkdirSync(path, { recursive: true });
          return [`JUPYTER_${kind.toUpperCase()}_DIR`, path];
        }),
      );
      const env = await kernel.execute(`import os; os.environ.update(${JSON.stringify(jupyter)})`);
      assert.equal(env.status, "ok");
      const argv = [`--port=${port}`, "--NotebookApp.token=''", "--no-browser", "--ip=127.0.0.1"];
      if (process.getuid?.() === 0) argv.push("--allow-root");
      const app = new ServerBridgeApp(
        appContext(t, {
          name: "notebook",
          className: "jaffle.app.tornado.TornadoBridgeApp",
          options: {
            app_class: "notebook.notebookapp.NotebookApp",
            argv,
            threaded,
            ready_url: `http://127.0.0.1:${port}/api/status`,
          },
          kernel,
          projectDir: dir,
          logger,
        }),
      );
      await app.setup();
      defer(t, () => app.stop());
      // start() rejects with an AppFailure (the runtime's own outcome) when the app did not come up.
      await app.start();
      await app.waitUntilReady(60_000);
      const first = await status(port);
      // NotebookApp's own log lines arrive through the app.log the bridge gave it.
      await logger.waitFor(/Jupyter Notebook .* is running at/, "NotebookApp's log as the app's lines");
      const live = await kernel.execute("type(notebook.app).__name__, notebook.app.port == " + port);
      assert.equal(live.status === "ok" ? live.result : live.status, "('NotebookApp', True)");

      await app.handleWatchdogEvent({ event_type: "modified", src_path: "x.py", is_directory: false });
      const second = await status(port);
      assert.notEqual(second.started, first.started, "a new NotebookApp serves after the restart");

      await app.stop();
      await assert.rejects(fetch(`http://127.0.0.1:${port}/api/status`), "the port is closed after stop");
      const stopped = await kernel.execute("notebook.running");
      assert.equal(stopped.status === "ok" ? stopped.result : stopped.status, "False");
      // The kernel still runs code after the app's loop stopped.
      assert.equal((await kernel.execute("1 + 1")).status, "ok");
    },
  );
}
