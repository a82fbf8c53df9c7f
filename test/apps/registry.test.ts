import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { resolveAppClass } from "../../src/apps/registry.js";
import { ServerBridgeApp } from "../../src/apps/server-bridge/index.js";
import { WatchdogApp } from "../../src/apps/watchdog/index.js";
import { KernelView } from "../../src/supervisor/kernel-view.js";
import { fixturesDir, needsPython, tempDir } from "../helpers/index.js";
import { appContext, recordingLogger, startKernel } from "./harness.js";

test("built-in classes resolve under Jaffle's names and the TypeScript-native ones", async () => {
  for (const name of ["jaffle.app.watchdog.WatchdogApp", "WatchdogApp"])
    assert.equal(await resolveAppClass(name, "/", "python"), WatchdogApp);
  for (const name of ["jaffle.app.tornado.TornadoBridgeApp", "TornadoBridgeApp", "ServerBridgeApp"]) {
    assert.equal(await resolveAppClass(name, "/", "javascript"), ServerBridgeApp);
  }
});

test("a TypeScript plugin loads by path and export name, or its default export", async (t) => {
  const dir = tempDir(t);
  cpSync(join(fixturesDir, "apps", "plugins"), join(dir, "plugins"), { recursive: true });
  // The fixture imports the API types by a relative path: only types, erased by tsx.
  const named = await resolveAppClass("./plugins/notify.ts#NotifyApp", dir, "javascript");
  const byDefault = await resolveAppClass("./plugins/notify.ts", dir, "javascript");
  assert.equal(named.name, "NotifyApp");
  assert.equal(byDefault.name, "NotifyApp");
  await assert.rejects(resolveAppClass("./plugins/notify.ts#Missing", dir, "javascript"), /no class export "Missing"/);
  await assert.rejects(resolveAppClass("./plugins/absent.ts#X", dir, "javascript"), /does not exist/);
});

test(
  "a Python class name becomes an in-kernel app created as Jaffle did, and receives events",
  { timeout: 120_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    cpSync(join(fixturesDir, "apps", "py_app"), dir, { recursive: true });
    const { host } = await startKernel(t, { cwd: dir, kernelName: "python3", name: "py_kernel" });
    const Installer = await resolveAppClass("my_ext.devel.Installer", dir, "python");
    const logger = recordingLogger("installer");
    const kernel = new KernelView(host, host.generation, logger);
    const app = new Installer(
      appContext(t, {
        name: "installer",
        className: "my_ext.devel.Installer",
        options: { flag: true },
        kernel,
        projectDir: dir,
        logger,
      }),
    );
    await app.setup!();
    await app.handleWatchdogEvent!({ event_type: "modified", src_path: "my_ext/devel.py", is_directory: false });
    await logger.waitFor("installer got modified my_ext/devel.py");
    const state = await kernel.execute("installer.app_name, installer.options, len(installer.events)");
    assert.equal(state.status === "ok" ? state.result : state.status, "('installer', {'flag': True}, 1)");
    await assert.rejects(
      (async () => {
        const Missing = await resolveAppClass("my_ext.devel.Nope", dir, "python");
        await new Missing(
          appContext(t, { name: "nope", className: "my_ext.devel.Nope", options: {}, kernel, projectDir: dir }),
        ).setup!();
      })(),
      /ImportError/,
    );
  },
);
