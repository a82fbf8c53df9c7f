/**
 * The built-in Node kernel with Jupyter's own tools: the official conformance suite
 * (jupyter_kernel_test, Debian's python3-jupyter-kernel-test) and `jupyter console`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { needsPythonPackages } from "../../helpers/index.js";
import { installNodeKernel, nodeKernelFixtures, nodeKernelProject, runPython } from "./support.js";

test(
  "jupyter_kernel_test, the official conformance suite, passes",
  needsPythonPackages("python3-jupyter-client", "python3-jupyter-kernel-test"),
  async (t) => {
    const jupyterPath = await installNodeKernel(t);
    const run = await runPython(t, [join(nodeKernelFixtures, "conformance.py")], {
      jupyterPath,
      cwd: nodeKernelProject,
    });
    assert.equal(run.code, 0, run.stderr);
    // unittest reports on stderr: every test must say "ok", none may be skipped.
    for (const name of [
      "kernel_info",
      "display_data",
      "clear_output",
      "pager",
      "execute_stdout",
      "execute_stderr",
      "completion",
      "is_complete",
      "error",
      "execute_result",
      "history",
      "inspect",
    ]) {
      assert.match(run.stderr, new RegExp(`test_${name} .* \\.\\.\\. ok`), `test_${name} did not pass:\n${run.stderr}`);
    }
    assert.doesNotMatch(run.stderr, /skipped/i);
    assert.match(run.stderr, /\nOK\n/);
  },
);

test(
  "jupyter console --kernel jaffle-node runs piped code and prints outputs and errors",
  needsPythonPackages("python3-jupyter-client", "jupyter-console"),
  async (t) => {
    const jupyterPath = await installNodeKernel(t);
    const run = await runPython(t, ["-m", "jupyter_console", "--kernel", "jaffle-node", "--simple-prompt"], {
      jupyterPath,
      cwd: nodeKernelProject,
      stdin: [
        "const a = 20",
        "a * 2 + 2",
        'console.log("printed " + a)',
        'throw new Error("bad")',
        "import { greet } from './greet.ts'",
        "greet('console')",
        "",
      ].join("\n"),
    });
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.match(run.stdout, /Out\[2\]: 42/);
    assert.match(run.stdout, /printed 20/);
    // jupyter console prints tracebacks on its stderr.
    assert.match(run.stderr, /Error: bad\n\s+at <cell 4>:1:7/);
    assert.match(run.stdout, /'hello, console'/);
    assert.match(run.stdout, /Shutting down kernel/);
  },
);
