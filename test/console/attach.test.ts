/**
 * `jaffle attach <app>` against a real `jaffle start` of the pytest example: piped lines
 * run targets in the app's kernel with their output streamed, a line ending in a Tab
 * completes a partial id (path segment, then test name), and an app without a shell is
 * a one-line error naming the apps that have one; in a terminal, Tab completes in place,
 * a target typed during a run waits for its own prompt, Ctrl-C interrupts a run.
 */
import assert from "node:assert/strict";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { needsPython, repoRoot, runJaffle, tempDir } from "../helpers/index.js";
import { openJaffleTerminal } from "../helpers/terminal.js";
import { startReady } from "../supervisor/support.js";

/** A copy of examples/pytest (plus `files`, by relative path) under a ready `jaffle start`. */
async function startPytestExample(t: TestContext, files: Record<string, string> = {}): Promise<string> {
  const dir = tempDir(t);
  cpSync(join(repoRoot, "examples", "pytest"), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  await startReady(t, dir);
  return dir;
}

test(
  "jaffle attach: piped input runs a target and completes a partial id",
  { timeout: 240_000, ...needsPython("python3-pytest") },
  async (t) => {
    const dir = await startPytestExample(t);
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

test(
  "jaffle attach in a terminal: completes, runs, holds a target typed during a run, interrupts with Ctrl-C",
  { timeout: 300_000, ...needsPython("python3-pytest") },
  async (t) => {
    // A test that runs until the file "go" exists (the runner's -s shows its print).
    const dir = await startPytestExample(t, {
      "tests/test_wait.py":
        "import os, time\n\ndef test_wait():\n    print('waiting', flush=True)\n" +
        "    while not os.path.exists('go'):\n        time.sleep(0.02)\n",
    });
    const term = openJaffleTerminal(t, ["attach", "pytest"], { cwd: dir });

    await term.expect(/pytest> /);
    term.write("tests/test_calc.py::test_m\t");
    await term.expect(/ul/); // the single match completes in place: test_mul
    term.write("\r");
    await term.expect(/test_mul .*PASSED/);
    await term.expect(/pytest> /);

    term.write("tests/test_wait.py\r");
    await term.expect(/waiting/);
    term.write("tests/test_calc.py::test_add\r");
    await term.expect(/test_add\r\n/); // the terminal's echo, during the run
    writeFileSync(join(dir, "go"), "");
    await term.expect(/\[pytest\] 1 passed/); // test_wait, whose name was printed before "waiting"
    await term.expect(/pytest> \S*tests\/test_calc\.py::test_add\r+\n/);
    await term.expect(/test_add \S*PASSED/);
    await term.expect(/pytest> /);

    rmSync(join(dir, "go"));
    term.write("tests/test_wait.py\r");
    await term.expect(/waiting/);
    term.write("\x03");
    await term.expect(/KeyboardInterrupt/);
    await term.expect(/pytest> /);
    term.write("\x04");
    assert.equal(await term.exited(), 0);
  },
);
