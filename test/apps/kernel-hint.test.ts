/**
 * Jaffle's `kernel "py_kernel" {}` meant python3; in jaffle it is the Node kernel. A
 * Python-looking app bound to such a block makes `jaffle start` fail at once with one
 * line naming the fix, before anything starts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runJaffle } from "../helpers/index.js";
import { project } from "../supervisor/support.js";

const CASES = [
  {
    what: "a Tornado bridge with a dotted app_class",
    app: `class = "jaffle.app.tornado.TornadoBridgeApp"\n  options { app_class = "my_module.app.ExampleApp" }`,
    why: "its app_class my_module.app.ExampleApp is a Python dotted path",
  },
  {
    what: "the pytest runner with a .py target",
    app: `class = "jaffle.app.pytest.PyTestRunnerApp"\n  options { auto_test = ["tests/test_*.py"] }`,
    why: "it tests .py files",
  },
  {
    what: "an in-kernel Python class",
    app: `class = "my_ext.devel.Installer"`,
    why: "its class my_ext.devel.Installer is a Python dotted path",
  },
];

for (const { what, app, why } of CASES) {
  test(`${what} on a kernel block without kernel_name: one line naming kernel_name = "python3"`, async (t) => {
    const dir = project(t, `kernel "py_kernel" {}\napp "x" {\n  kernel = "py_kernel"\n  ${app}\n}\n`);
    const run = await runJaffle(["start"], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(
      run.stderr,
      `jaffle.hcl: app "x" looks like Python (${why}), but kernel "py_kernel" has no kernel_name, so it is jaffle's built-in Node kernel; add kernel_name = "python3" to kernel "py_kernel"\n`,
    );
  });
}
