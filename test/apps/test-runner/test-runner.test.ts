/**
 * The test runner app in real kernels on the pytest example's files: pytest in
 * ipykernel (Jaffle's PyTestRunnerApp). A mapped change runs its test and passes; a
 * breaking change is tested with the new code and fails; a fix passes again; an
 * `auto_test` file runs itself; a target that does not exist is skipped.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { WatchdogEvent } from "../../../src/apps/api.js";
import { capturingGlob, fillTemplate, targetRules, targetsFor } from "../../../src/apps/test-runner/glob-map.js";
import { TestRunnerApp } from "../../../src/apps/test-runner/index.js";
import { KernelView } from "../../../src/supervisor/kernel-view.js";
import { needsPython, repoRoot, tempDir, waitFor } from "../../helpers/index.js";
import { appContext, recordingLogger, startKernel } from "../harness.js";

const modified = (src_path: string): WatchdogEvent => ({ event_type: "modified", src_path, is_directory: false });

test("Jaffle's glob captures fill the target template in order, // collapsed", () => {
  const rules = targetRules(["tests/**/test_*.py"], { "pkg/**/*.py": "pkg/tests/{}/test_{}.py" });
  assert.deepEqual(targetsFor("pkg/a/b/mod.py", rules), ["pkg/tests/a/b/test_mod.py"]);
  assert.deepEqual(targetsFor("pkg/mod.py", rules), ["pkg/tests/test_mod.py"]);
  assert.deepEqual(targetsFor("tests/x/test_y.py", rules), ["tests/x/test_y.py"]);
  assert.deepEqual(targetsFor("other/mod.py", rules), []);
  assert.deepEqual(capturingGlob("src/*.ts").match("src/a/b.ts"), undefined, "* is one path segment");
  assert.equal(fillTemplate("t/{}//{}.py", ["a/", "b"]), "t/a/b.py");
});

/** A test runner app named `name` in a real kernel started in `dir`, set up. */
async function runnerInKernel(
  t: TestContext,
  dir: string,
  app: { name: string; className: string; options: Record<string, unknown> },
  kernelName?: string,
) {
  const started = await startKernel(t, {
    cwd: dir,
    ...(kernelName ? { kernelName } : {}),
    name: kernelName ? "py_kernel" : "node_kernel",
  });
  const { host } = started;
  const logger = recordingLogger(app.name);
  const kernel = new KernelView(host, host.generation, logger);
  const runner = new TestRunnerApp(appContext(t, { ...app, kernel, projectDir: dir, logger }));
  await runner.setup();
  return { app: runner, kernel, logger, launched: started.kernel };
}

async function pytestRunner(t: TestContext) {
  const dir = tempDir(t);
  for (const part of ["mylib", "tests"])
    cpSync(join(repoRoot, "examples", "pytest", part), join(dir, part), { recursive: true });
  const options = { auto_test: ["tests/**/test_*.py"], auto_test_map: { "mylib/**/*.py": "tests/{}/test_{}.py" } };
  const runner = await runnerInKernel(
    t,
    dir,
    { name: "pytest", className: "jaffle.app.pytest.PyTestRunnerApp", options },
    "python3",
  );
  return { ...runner, dir };
}

test(
  "pytest in ipykernel: pass, break, fix, auto_test, a missing target",
  { timeout: 180_000, ...needsPython("python3-pytest") },
  async (t) => {
    const { app, dir, kernel, logger } = await pytestRunner(t);
    const lastSummary = () => {
      const found = logger.lines.findLast((line) => / in \d+\.\d\d s$/.test(line.message));
      return found ? `${found.level}: ${found.message}` : "no summary yet";
    };

    await app.handleWatchdogEvent(modified("mylib/text/shout.py"));
    assert.ok(logger.at("info").includes("testing tests/text/test_shout.py"), logger.text());
    await logger.waitFor(/test_shout\.py::test_shout PASSED/, "pytest's -v output as the app's lines");
    assert.match(lastSummary(), /^info: 1 passed in \d+\.\d\d s$/);

    writeFileSync(join(dir, "mylib", "text", "shout.py"), 'def shout(text):\n    return text.lower() + "?"\n');
    await app.handleWatchdogEvent(modified("mylib/text/shout.py"));
    assert.match(
      lastSummary(),
      /^warning: 1 failed in \d+\.\d\d s$/,
      "the breaking change is tested with the new code",
    );

    writeFileSync(join(dir, "mylib", "text", "shout.py"), 'def shout(text):\n    return text.upper() + "!"\n');
    await app.handleWatchdogEvent(modified("mylib/text/shout.py"));
    assert.match(lastSummary(), /^info: 1 passed in \d+\.\d\d s$/, "the fix passes again");

    await app.handleWatchdogEvent(modified("tests/test_calc.py"));
    assert.ok(logger.at("info").includes("testing tests/test_calc.py"), logger.text());
    assert.match(lastSummary(), /^info: 2 passed in \d+\.\d\d s$/, "an auto_test file runs itself");

    await app.handleWatchdogEvent(modified("mylib/__init__.py"));
    await logger.waitFor(/tests\/test___init__\.py \(for mylib\/__init__\.py\) does not exist; skipped/);

    // By hand, as from `jaffle console` or `jaffle attach`.
    const items = await kernel.execute("pytest.collect_test_items()");
    assert.equal(
      items.status === "ok" ? items.result?.replace(/\n\s*/g, " ") : items.status,
      "['tests/test_calc.py::test_add', 'tests/test_calc.py::test_mul', 'tests/text/test_shout.py::test_shout']",
    );
    const byHand = await kernel.execute('pytest.test("tests/test_calc.py::test_mul")');
    assert.equal(byHand.status, "ok");
    await logger.waitFor(/^\[pytest\] 1 passed in \d+\.\d\d s$/);
  },
);

test(
  "events during a run queue one more run over all their targets",
  { timeout: 180_000, ...needsPython("python3-pytest") },
  async (t) => {
    const { app, dir, logger } = await pytestRunner(t);
    // A test that holds its run until the file `release` exists.
    writeFileSync(
      join(dir, "tests", "test_gate.py"),
      'import os, time\n\ndef test_gate():\n    while not os.path.exists("release"):\n        time.sleep(0.01)\n',
    );
    const first = app.handleWatchdogEvent(modified("tests/test_gate.py"));
    await logger.waitFor("testing tests/test_gate.py");
    const queued = [
      app.handleWatchdogEvent(modified("mylib/calc.py")),
      app.handleWatchdogEvent(modified("mylib/text/shout.py")),
      app.handleWatchdogEvent(modified("tests/test_calc.py")),
    ];
    writeFileSync(join(dir, "release"), "");
    await Promise.all([first, ...queued]);
    const runs = logger.lines.filter((line) => line.message.startsWith("testing ")).map((line) => line.message);
    assert.deepEqual(runs, ["testing tests/test_gate.py", "testing tests/test_calc.py tests/text/test_shout.py"]);
    assert.match(logger.lines.at(-1)?.message ?? "", /^3 passed in /);
  },
);

test("node:test in the Node kernel: pass, break, fix, auto_test, a missing target", { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, "src", "text"), { recursive: true });
  mkdirSync(join(dir, "test", "text"), { recursive: true });
  const shout = (body: string) => writeFileSync(join(dir, "src", "text", "shout.ts"), body);
  shout('export const shout = (text: string): string => text.toUpperCase() + "!";\n');
  writeFileSync(
    join(dir, "test", "text", "shout.test.ts"),
    'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { shout } from "../../src/text/shout.ts";\n\ntest("shouts", () => assert.equal(shout("hi"), "HI!"));\ntest("shouts empty", () => assert.equal(shout(""), "!"));\n',
  );
  const { app, kernel, logger } = await runnerInKernel(t, dir, {
    name: "tests",
    className: "TestRunnerApp",
    options: { auto_test: ["test/**/*.test.ts"], auto_test_map: { "src/**/*.ts": "test/{}/{}.test.ts" } },
  });
  const lastSummary = () => {
    const found = logger.lines.findLast((line) => / in \d+\.\d\d s$/.test(line.message));
    return found ? `${found.level}: ${found.message}` : "no summary yet";
  };

  await app.handleWatchdogEvent(modified("src/text/shout.ts"));
  assert.ok(logger.at("info").includes("testing test/text/shout.test.ts"), logger.text());
  await logger.waitFor(/✔ shouts/, "node:test's spec output as the app's lines");
  assert.match(lastSummary(), /^info: 2 passed in \d+\.\d\d s$/);

  shout('export const shout = (text: string): string => text.toLowerCase() + "?";\n');
  await app.handleWatchdogEvent(modified("src/text/shout.ts"));
  assert.match(lastSummary(), /^warning: 2 failed in \d+\.\d\d s$/, "the breaking change is tested with the new code");

  shout('export const shout = (text: string): string => text.toUpperCase() + "!";\n');
  await app.handleWatchdogEvent(modified("src/text/shout.ts"));
  assert.match(lastSummary(), /^info: 2 passed in \d+\.\d\d s$/, "the fix passes again");

  await app.handleWatchdogEvent(modified("test/text/shout.test.ts"));
  assert.equal(logger.at("info").filter((line) => line === "testing test/text/shout.test.ts").length, 4);

  writeFileSync(join(dir, "src", "lonely.ts"), "export {};\n");
  await app.handleWatchdogEvent(modified("src/lonely.ts"));
  await logger.waitFor(/test\/lonely\.test\.ts \(for src\/lonely\.ts\) does not exist; skipped/);

  const items = await kernel.execute("await tests.collectTestItems()");
  assert.equal(
    items.status === "ok" ? items.result?.replace(/\n\s*/g, " ") : items.status,
    "[ 'test/text/shout.test.ts::shouts', 'test/text/shout.test.ts::shouts empty' ]",
  );
  assert.equal((await kernel.execute('await tests.test("test/text/shout.test.ts::shouts empty")')).status, "ok");
  await logger.waitFor(/^\[tests\] 1 passed, 1 skipped in \d+\.\d\d s$/);
});

test(
  "node:test in the Node kernel: a run the kernel is shut down in the middle of leaves no files behind",
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, "test"));
    const running = join(dir, "running");
    writeFileSync(
      join(dir, "test", "slow.test.ts"),
      `import { test } from "node:test";\nimport { writeFileSync } from "node:fs";\n` +
        `test("never ends", () => new Promise(() => { writeFileSync(${JSON.stringify(running)}, ""); setInterval(() => {}, 1000); }));\n`,
    );
    const { app, kernel, launched } = await runnerInKernel(t, dir, {
      name: "tests",
      className: "TestRunnerApp",
      options: { auto_test: ["test/*.test.ts"] },
    });
    // The kernel's scratch directory for test runs, from the kernel's own module.
    const scratchModule = new URL("../../../src/shared/process-scratch.js", import.meta.url).href;
    const asked = await kernel.execute(
      `(await import(${JSON.stringify(scratchModule)})).processScratchDirectory("jaffle-node-test-")`,
    );
    const scratch = asked.status === "ok" ? (asked.result ?? "").replace(/^'|'$/g, "") : "";
    assert.ok(scratch.startsWith(join(tmpdir(), "jaffle-node-test-")), JSON.stringify(asked));

    const run = app.handleWatchdogEvent(modified("test/slow.test.ts")).catch(() => undefined);
    await waitFor(() => existsSync(running), "the test run to be under way", 60_000);
    assert.equal(readdirSync(scratch).length, 1, "the run's files are in the kernel's scratch directory");
    await launched.shutdown(5_000);
    await run;
    assert.equal(existsSync(scratch), false, "the kernel removed its scratch directory as it exited");
  },
);
