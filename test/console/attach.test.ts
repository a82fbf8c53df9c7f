/**
 * `jaffle attach <app>` against a real `jaffle start` of the pytest example: piped lines
 * run targets in the app's kernel with their output streamed, a line ending in a Tab
 * completes a partial id (path segment, then test name), and an app without a shell is
 * a one-line error naming the apps that have one.
 */
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { needsPython, repoRoot, runJaffle, tempDir } from "../helpers/index.js";
import { startReady } from "../supervisor/support.js";

test(
  "jaffle attach: piped input runs a target and completes a partial id",
  { timeout: 240_000, ...needsPython("python3-pytest") },
  async (t) => {
    const dir = tempDir(t);
    cpSync(join(repoRoot, "examples", "pytest"), dir, { recursive: true });
    await startReady(t, dir);
    const run = await runJaffle(["attach", "pytest"], {
      cwd: dir,
      stdin: "tests/te\t\ntests/test_calc.py::\t\ntests/test_calc.py::test_mul\n",
      timeoutMs: 120_000,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 4), [
      "tests/test_calc.py",
      "tests/text/",
      "tests/test_calc.py::test_add",
      "tests/test_calc.py::test_mul",
    ]);
    assert.match(run.stdout, /tests\/test_calc\.py::test_mul .*PASSED/);
    assert.match(run.stdout, /^\[pytest\] 1 passed in \d+\.\d\d s$/m);

    const wrong = await runJaffle(["attach", "watchdog"], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      'jaffle: app "watchdog" (jaffle.app.watchdog.WatchdogApp) has no shell; apps with a shell: pytest\n',
    );
  },
);
