/**
 * The server bridge in a real Python kernel (ipykernel) running the Tornado example app
 * of the seed document, in both modes: start, edit, restart, recover from a broken save,
 * and (threaded) a blocking HTTP request made from inside the kernel while it serves.
 */
import { AppFailure } from "../../../src/apps/api.js";
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { ServerBridgeApp } from "../../../src/apps/server-bridge/index.js";
import { KernelView } from "../../../src/supervisor/kernel-view.js";
import { freePort, needsPython, repoRoot, tempDir } from "../../helpers/index.js";
import { appContext, defer, recordingLogger, startKernel } from "../harness.js";

async function fetchText(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return (await response.text()).trim();
}

async function tornadoApp(t: TestContext, threaded: boolean) {
  const dir = tempDir(t);
  cpSync(join(repoRoot, "examples", "tornado", "my_module"), join(dir, "my_module"), { recursive: true });
  const port = await freePort();
  const { host } = await startKernel(t, { cwd: dir, kernelName: "python3", name: "py_kernel" });
  const logger = recordingLogger("tornado_app");
  const kernel = new KernelView(host, host.generation, logger);
  const context = appContext(t, {
    name: "tornado_app",
    className: "jaffle.app.tornado.TornadoBridgeApp",
    options: {
      app_class: "my_module.app.ExampleApp",
      argv: [`--port=${port}`],
      threaded,
      clear_cache: ["my_module"],
      ready_url: `http://127.0.0.1:${port}/`,
    },
    kernel,
    projectDir: dir,
    logger,
  });
  const app = new ServerBridgeApp(context);
  await app.setup();
  defer(t, () => app.stop());
  const outcome = await kernel.execute("tornado_app.start()");
  assert.equal(outcome.status, "ok");
  await app.waitUntilReady(30_000);
  const setGreeting = (text: string) =>
    writeFileSync(join(dir, "my_module", "greeting.py"), `GREETING = ${JSON.stringify(text)}\n`);
  return { app, kernel, logger, port, dir, setGreeting };
}

for (const threaded of [true, false]) {
  const mode = threaded ? "threaded" : "shared IOLoop";

  test(
    `Tornado bridge (${mode}): serves, restarts with the edited module, recovers from a broken save`,
    { timeout: 120_000, ...needsPython("python3-tornado", "python3-traitlets") },
    async (t) => {
      const { app, logger, port, dir, setGreeting } = await tornadoApp(t, threaded);
      assert.equal(await fetchText(port), "Hello from Tornado");
      setGreeting("second version");
      await app.handleWatchdogEvent({ event_type: "modified", src_path: "my_module/greeting.py", is_directory: false });
      assert.equal(await fetchText(port), "second version");
      writeFileSync(join(dir, "my_module", "greeting.py"), "GREETING = \n");
      // The runtime reports the failure itself: the user's error and file:line.
      await assert.rejects(
        app.handleWatchdogEvent({ event_type: "modified", src_path: "my_module/greeting.py", is_directory: false }),
        (error: unknown) =>
          error instanceof AppFailure &&
          /^SyntaxError: invalid syntax \(my_module\/greeting\.py:1\)$/.test(error.reason) &&
          /internal frames? hidden; --debug shows them/.test(error.report),
      );
      setGreeting("recovered");
      await app.handleWatchdogEvent({ event_type: "modified", src_path: "my_module/greeting.py", is_directory: false });
      assert.equal(await fetchText(port), "recovered");
      await logger.waitFor(/tornado\.access: 200 GET \//, "Tornado's access log among the app's lines");
    },
  );
}

test(
  "Tornado bridge (threaded): code in the kernel can request the app while it serves",
  { timeout: 120_000, ...needsPython("python3-tornado", "python3-traitlets") },
  async (t) => {
    const { kernel, port } = await tornadoApp(t, true);
    const outcome = await kernel.execute(
      `import urllib.request\nurllib.request.urlopen("http://127.0.0.1:${port}/", timeout=10).read().decode().strip()`,
    );
    assert.equal(outcome.status, "ok");
    assert.equal(outcome.status === "ok" ? outcome.result : undefined, "'Hello from Tornado'");
    const live = await kernel.execute("type(tornado_app.app).__name__, tornado_app.running");
    assert.equal(live.status === "ok" ? live.result : undefined, "('ExampleApp', True)");
  },
);

test(
  "notebook_server example: the kernel waits on the live app while the server keeps accepting",
  { timeout: 120_000, ...needsPython("python3-tornado", "python3-notebook") },
  async (t) => {
    const dir = tempDir(t);
    cpSync(join(repoRoot, "examples", "notebook_server", "background_server"), join(dir, "background_server"), {
      recursive: true,
    });
    const port = await freePort();
    const { host } = await startKernel(t, { cwd: dir, kernelName: "python3", name: "py_kernel" });
    const logger = recordingLogger("server");
    const kernel = new KernelView(host, host.generation, logger);
    const app = new ServerBridgeApp(
      appContext(t, {
        name: "server",
        className: "jaffle.app.tornado.TornadoBridgeApp",
        options: {
          app_class: "background_server.app.InteractiveApp",
          argv: [`--port=${port}`],
          threaded: true,
          ready_url: `http://127.0.0.1:${port}/`,
        },
        kernel,
        projectDir: dir,
        logger,
      }),
    );
    await app.setup();
    defer(t, () => app.stop());
    assert.equal((await kernel.execute("server.start()")).status, "ok");
    await app.waitUntilReady();
    // The kernel blocks in await_results while this test POSTs from outside.
    const waiting = kernel.execute("server.app.await_results(2, timeout=60)");
    for (const value of ["a", "b"]) {
      const response = await fetch(`http://127.0.0.1:${port}/results`, { method: "POST", body: value });
      assert.equal(response.status, 201);
    }
    const outcome = await waiting;
    assert.equal(outcome.status === "ok" ? outcome.result : outcome.status, "['a', 'b']");
  },
);
