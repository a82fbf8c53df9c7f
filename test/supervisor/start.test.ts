/**
 * `jaffle start` as a child process: log lines and their filters in both formats,
 * --exit-when-ready success and failure, configuration errors.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, needsPython, runJaffle } from "../helpers/index.js";
import { linesOf, NODE_KERNEL, project, PYTHON_KERNEL } from "./support.js";

/** A process that prints a few lines and then waits; its last line is the ready signal. */
const PRINTER = `process "printer" {
  command = "sh -c 'echo alpha 1; echo secret token; echo beta 2; echo noisy line >&2; echo done; sleep 600'"
  logger {
    suppress_regex = ["secret"]
    replace_regex = [{ from = "beta (\\\\d)", to = "BETA=\\\\1" }]
  }
  ready {
    log_regex = "^done$"
  }
}
logger {
  suppress_regex = ["noisy"]
}
`;

const GREETER = `export class Greeter {
  constructor(private context: { logger: { info(m: string): void }; kernel: { language: string } }) {}
  setup() { this.context.logger.info("set up in a " + this.context.kernel.language + " kernel"); }
  stop() { this.context.logger.info("stopped"); }
}
`;

const KERNELS = [
  {
    kernel: "Node",
    needs: { skip: false as const },
    block: NODE_KERNEL,
    language: "javascript",
    start: "console.log('hello from the kernel'); console.error('a warning')",
  },
  {
    kernel: "Python",
    needs: needsPython(),
    block: PYTHON_KERNEL,
    language: "python",
    start: "import sys; print('hello from the kernel'); print('a warning', file=sys.stderr)",
  },
];

for (const { kernel, needs, block, language, start } of KERNELS) {
  test(
    `pretty log (${kernel} kernel): sources, levels, per-source and root filters; ready line; exit 0`,
    { timeout: 180_000, ...needs },
    async (t) => {
      const dir = project(
        t,
        `kernel "k" { ${block} }
app "greeter" {
  class = "./greeter.ts#Greeter"
  kernel = "k"
  start = ${JSON.stringify(start)}
}
${PRINTER}`,
        { "greeter.ts": GREETER },
      );
      const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const out = run.stdout;
      assert.ok(!out.includes("\x1b["), "no colour when stdout is not a terminal");
      assert.deepEqual(linesOf(out, "greeter"), [
        `set up in a ${language} kernel`,
        "hello from the kernel",
        "a warning",
        "stopped",
      ]);
      assert.match(out, / greeter W a warning$/m, "kernel stderr is a warning");
      assert.deepEqual(linesOf(out, "printer"), ["alpha 1", "BETA=2", "done"]);
      assert.match(out, /jaffle I ready in \d+\.\d\d s: 1 kernel, 1 app, 1 process$/m);
      assert.equal(out.match(/ready in/g)?.length, 1, "one ready line");
      assert.match(out, /jaffle I shut down in/);
      assert.equal(existsSync(join(dir, ".jaffle")), false, "runtime files removed");
    },
  );
}

test("JSON log: one pino object per line with time, level, name and msg", { timeout: 180_000 }, async (t) => {
  const dir = project(t, `kernel "js" { ${NODE_KERNEL} }\n${PRINTER}`);
  const run = await runJaffle(["start", "--exit-when-ready", "--log-format", "json"], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const records = run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { time: number; level: number; name: string; msg: string });
  for (const record of records) {
    assert.equal(typeof record.time, "number");
    assert.equal(typeof record.level, "number");
    assert.equal(typeof record.name, "string");
    assert.equal(typeof record.msg, "string");
  }
  const printer = records.filter((r) => r.name === "printer").map((r) => [r.level, r.msg]);
  assert.deepEqual(printer, [
    [30, "alpha 1"],
    [30, "BETA=2"],
    [30, "done"],
  ]);
  assert.ok(
    records.some((r) => r.name === "jaffle" && /^ready in \d+\.\d\d s: 1 kernel, 0 apps, 1 process$/.test(r.msg)),
  );
});

test("--log-level and --debug choose what is shown", { timeout: 180_000, ...needsPython() }, async (t) => {
  const dir = project(t, `kernel "py" { ${PYTHON_KERNEL} }\n${PRINTER}`);
  const quiet = await runJaffle(["start", "--exit-when-ready", "--no-color", "--log-level", "warning"], { cwd: dir });
  assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
  assert.doesNotMatch(quiet.stdout, / I /, "no info lines");
  const debug = await runJaffle(["start", "--exit-when-ready", "--no-color", "--debug"], { cwd: dir });
  assert.equal(debug.code, 0, debug.stdout + debug.stderr);
  assert.match(debug.stdout, /py D started python3 kernel \(pid \d+\)/);
  assert.match(debug.stdout, /jaffle D process printer passed its readiness check/);
});

test("--exit-when-ready exits 1 naming what did not get ready in time", { timeout: 180_000 }, async (t) => {
  const port = await freePort();
  const dir = project(
    t,
    `kernel "js" { ${NODE_KERNEL} }
process "web" {
  command = "sleep 600"
  ready {
    port    = ${port}
    timeout = 2
  }
}
process "fine" {
  command = "sleep 600"
}
`,
  );
  const started = Date.now();
  // The check's own timeout, not --ready-timeout 2: that one also bounds the kernel's
  // start-up, which a loaded machine can take longer than 2 s for.
  const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    new RegExp(`process web not ready within 2 s: nothing accepted connections on 127\\.0\\.0\\.1:${port}`),
  );
  assert.doesNotMatch(run.stdout, /process fine/);
  assert.doesNotMatch(run.stdout, /ready in/);
  assert.ok(Date.now() - started < 60_000, "gave up at the ready timeout");
});

test(
  "--exit-when-ready exits 1 at an app's failing start code, before the apps after it start",
  { timeout: 180_000, ...needsPython() },
  async (t) => {
    const dir = project(
      t,
      `kernel "py" { ${PYTHON_KERNEL} }
app "broken" {
  class = "./plain.ts#Plain"
  kernel = "py"
  start = "undefined_name + 1"
}
app "working" {
  class = "./plain.ts#Plain"
  kernel = "py"
  start = "print('working started')"
}
`,
      { "plain.ts": "export class Plain { constructor(_context: unknown) {} }\n" },
    );
    const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    // The user's error under the app, IPython's cell wrappers folded (issue 8's readable errors).
    assert.match(
      run.stdout,
      /broken E start failed: start code: NameError: name 'undefined_name' is not defined\n\s+\(\d+ internal frames? hidden; --debug shows them\)\n/,
      `the error is logged under the app; stderr:\n${run.stderr}`,
    );
    assert.doesNotMatch(run.stdout, /Traceback/, "IPython's raw traceback is for --debug");
    assert.match(
      run.stdout,
      /jaffle E app broken failed: start code: NameError: name 'undefined_name' is not defined$/m,
    );
    assert.deepEqual(linesOf(run.stdout, "working"), [], "the run ended at the first failure");
    assert.match(run.stdout, /jaffle E --exit-when-ready: 1 failure; exiting 1$/m);
  },
);

test(
  "a configuration error is printed as file:line:col on stderr, exit 1, nothing started",
  { timeout: 60_000 },
  async (t) => {
    const dir = project(t, `kernel "py" {\n  kernel_name = "python3"\n  bogus_key = 1\n}\n`);
    const run = await runJaffle(["start", "--exit-when-ready"], { cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^jaffle\.hcl:3:\d+: /m);
    assert.equal(run.stdout, "");
    assert.equal(existsSync(join(dir, ".jaffle")), false);
  },
);

test("bad option values are one-line errors", { timeout: 60_000 }, async (t) => {
  const dir = project(t, `kernel "py" { ${PYTHON_KERNEL} }\n`);
  const run = await runJaffle(["start", "--ready-timeout", "-3"], { cwd: dir });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, "jaffle: --ready-timeout must be a positive number of seconds, got -3\n");
});

test("no line is lost when a process floods the log", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `kernel "js" { ${NODE_KERNEL} }
process "flood" {
  command = "sh -c 'seq -f \\"line %.0f\\" 1 100000; exec sleep 600'"
  logger {
    suppress_regex = ["7$"]
  }
  ready {
    log_regex = "^line 100000$"
  }
}
`,
  );
  const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const lines = linesOf(run.stdout, "flood");
  const expected = Array.from({ length: 100_000 }, (_, i) => `line ${i + 1}`).filter((line) => !line.endsWith("7"));
  assert.equal(lines.length, expected.length);
  assert.deepEqual(lines, expected, "every line, in order");
});

test("a replace_regex `to` renders ${var.NAME} and ${env(...)} under jaffle start", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `variable "greeting" { default = "hi" }
kernel "js" { ${NODE_KERNEL} }
process "printer" {
  command = "sh -c 'echo hello world; echo done; sleep 600'"
  logger {
    replace_regex = [{ from = "^hello (\\\\w+)$", to = "\${var.greeting} \\\\1 from \${env('WHO')}" }]
  }
  ready {
    log_regex = "^done$"
  }
}
`,
  );
  const run = await runJaffle(["start", "--exit-when-ready", "--no-color", "--var", "greeting=howdy"], {
    cwd: dir,
    env: { WHO: "the test" },
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(linesOf(run.stdout, "printer"), ["howdy world from the test", "done"]);
});
