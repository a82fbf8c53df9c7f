/**
 * WatchdogApp on real files with a real Python kernel (ipykernel) for its code blocks,
 * a real job command, and a TypeScript-native app as routing target.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { JaffleApp, WatchdogEvent } from "../../../src/apps/api.js";
import { WatchdogApp } from "../../../src/apps/watchdog/index.js";
import { routedAppName } from "../../../src/apps/watchdog/handler.js";
import { watchDirectory, type RawEvent } from "../../../src/apps/watchdog/watcher.js";
import { KernelView } from "../../../src/supervisor/kernel-view.js";
import { needsPython, tempDir, waitFor } from "../../helpers/index.js";
import { appContext, defer, recordingLogger, startKernel } from "../harness.js";

class RecordingApp implements JaffleApp {
  events: WatchdogEvent[] = [];
  handleWatchdogEvent(event: WatchdogEvent): void {
    this.events.push(event);
  }
}

async function watchdog(
  t: TestContext,
  dir: string,
  handlers: Record<string, unknown>[],
  extra: { apps?: Record<string, JaffleApp>; jobs?: Record<string, string> } = {},
) {
  const { host } = await startKernel(t, { cwd: dir, kernelName: "python3", name: "py_kernel" });
  const logger = recordingLogger("watchdog");
  const context = appContext(t, {
    name: "watchdog",
    className: "jaffle.app.watchdog.WatchdogApp",
    options: { handlers },
    kernel: new KernelView(host, host.generation, logger),
    projectDir: dir,
    logger,
    ...extra,
  });
  const app = new WatchdogApp(context);
  await app.setup();
  defer(t, () => app.stop());
  return { app, logger, jobLogger: context.jobLogger };
}

test("routedAppName recognises only the exact routing form", () => {
  assert.equal(routedAppName("web.handle_watchdog_event({event})"), "web");
  assert.equal(routedAppName("  web.handleWatchdogEvent( {event} );"), "web");
  assert.equal(routedAppName("web.handle_watchdog_event({event}); print(1)"), undefined);
  assert.equal(routedAppName("print({event})"), undefined);
});

test(
  "code blocks run in the kernel with {event}, routed blocks reach the app, failures do not stop the rest",
  { timeout: 120_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, "pkg"));
    writeFileSync(join(dir, "pkg", "mod.py"), "X = 1\n");
    const target = new RecordingApp();
    const { logger, jobLogger } = await watchdog(
      t,
      dir,
      [
        {
          patterns: ["*.py"],
          ignore_directories: true,
          code_blocks: [
            "raise ValueError('first block fails')",
            "print('EVENT', {event}['event_type'], {event}['src_path'])",
            "web.handle_watchdog_event({event})",
          ],
          jobs: ["failing", "echo"],
          clear_cache: ["pkg"],
        },
      ],
      { apps: { web: target }, jobs: { failing: "exit 3", echo: "echo job-ran" } },
    );
    writeFileSync(join(dir, "pkg", "mod.py"), "X = 2\n");
    await logger.waitFor("EVENT modified pkg/mod.py");
    await waitFor(() => target.events.length > 0, "the routed event");
    assert.deepEqual(target.events[0], { event_type: "modified", src_path: "pkg/mod.py", is_directory: false });
    await jobLogger.waitFor("job-ran");
    await logger.waitFor(/job "failing" failed: exit code 3/);
    assert.match(logger.text(), /info: modified pkg\/mod\.py/, "the triggering file is logged");
    assert.match(logger.text(), /error: code block .*first block fails|error: code block .*ValueError/);
    // Not matching *.py: no event.
    writeFileSync(join(dir, "notes.txt"), "x");
    writeFileSync(join(dir, "pkg", "mod.py"), "X = 3\n");
    await waitFor(() => target.events.length === 2, "the second event");
    assert.ok(target.events.every((e) => e.src_path === "pkg/mod.py"));
  },
);

test(
  "default ignores, an atomic save is one modification, a rename is a move",
  { timeout: 120_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    for (const sub of [".git", "node_modules", "__pycache__", ".jaffle"])
      mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, "app.py"), "A = 1\n");
    const target = new RecordingApp();
    await watchdog(
      t,
      dir,
      [{ patterns: ["*"], ignore_directories: true, code_blocks: ["web.handle_watchdog_event({event})"] }],
      { apps: { web: target } },
    );
    for (const sub of [".git", "node_modules", "__pycache__", ".jaffle"]) writeFileSync(join(dir, sub, "x.py"), "1");
    writeFileSync(join(dir, ".#app.py"), "lock");
    writeFileSync(join(dir, "app.py.swp"), "swap");
    writeFileSync(join(dir, "app.py~"), "backup");
    // An editor's atomic save: write a temp file, rename it over the target.
    writeFileSync(join(dir, "app.py.tmp.1234"), "A = 2\n");
    renameSync(join(dir, "app.py.tmp.1234"), join(dir, "app.py"));
    await waitFor(() => target.events.length >= 1, "the save");
    // A marker file written last: once it is seen, every earlier event has arrived.
    writeFileSync(join(dir, "marker.txt"), "m");
    await waitFor(() => target.events.some((e) => e.src_path === "marker.txt"), "the marker");
    const others = target.events.filter((e) => e.src_path !== "marker.txt");
    assert.deepEqual(others, [{ event_type: "modified", src_path: "app.py", is_directory: false }]);
    renameSync(join(dir, "marker.txt"), join(dir, "moved.txt"));
    await waitFor(() => target.events.some((e) => e.event_type === "moved"), "the move");
    assert.deepEqual(target.events.at(-1), {
      event_type: "moved",
      src_path: "marker.txt",
      dest_path: "moved.txt",
      is_directory: false,
    });
  },
);

test("debounce turns a burst of saves into one handled event", { timeout: 120_000, ...needsPython() }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "a.py"), "0");
  const target = new RecordingApp();
  const { logger } = await watchdog(
    t,
    dir,
    [{ patterns: ["*.py"], debounce: 0.4, code_blocks: ["web.handleWatchdogEvent({event})"] }],
    { apps: { web: target } },
  );
  for (let i = 1; i <= 5; i++) {
    writeFileSync(join(dir, "a.py"), String(i));
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await waitFor(() => target.events.length === 1, "the debounced event");
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(target.events.length, 1);
  assert.match(logger.text(), /modified a\.py \(last of \d+ events\)/);
});

test(
  "a write right after the file was read is still seen (chokidar's atime check drops it)",
  { timeout: 60_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    const file = join(dir, "g.ts");
    writeFileSync(file, "0");
    const events: RawEvent[] = [];
    const watcher = watchDirectory(dir, { onEvent: (e) => events.push(e), onError: (e) => assert.fail(e) });
    t.after(() => watcher.close());
    await watcher.ready;
    for (let i = 1; i <= 3; i++) {
      writeFileSync(file, `broken ${i};`);
      await waitFor(() => events.length === 2 * i - 1, `event for write ${2 * i - 1}`);
      readFileSync(file); // what a reloading server does right after the event
      await new Promise((resolve) => setTimeout(resolve, 20));
      writeFileSync(file, `fixed ${i}`);
      await waitFor(() => events.length === 2 * i, `event for write ${2 * i}`);
    }
    assert.ok(events.every((e) => e.type === "modified" && e.path === file));
  },
);

test(
  "in the built-in Node kernel, {event} is a JavaScript object literal and clear_cache evicts require.cache",
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "counter.cjs"), "module.exports = { loadedAt: Math.random() };\n");
    const { host } = await startKernel(t, { cwd: dir, name: "node_kernel" });
    const logger = recordingLogger("watchdog");
    const kernel = new KernelView(host, host.generation, logger);
    const first = await kernel.execute(
      `globalThis.req = process.getBuiltinModule("node:module").createRequire(${JSON.stringify(dir + "/")}); globalThis.before = req("./counter.cjs").loadedAt; "ok"`,
    );
    assert.equal(first.status, "ok");
    const app = new WatchdogApp(
      appContext(t, {
        name: "watchdog",
        className: "WatchdogApp",
        options: {
          handlers: [
            {
              patterns: ["*.txt"],
              clear_cache: ["./counter.cjs"],
              code_blocks: [
                'console.log("EV", {event}.event_type, {event}.src_path, {event}.is_directory, req("./counter.cjs").loadedAt !== before)',
              ],
            },
          ],
        },
        kernel,
        projectDir: dir,
        logger,
      }),
    );
    await app.setup();
    defer(t, () => app.stop());
    writeFileSync(join(dir, "note.txt"), "x");
    await logger.waitFor("EV created note.txt false true");
  },
);
