/**
 * `jaffle config` end to end: the real executable on the seed document's example
 * configurations (test/fixtures/config/seed-*.hcl, unchanged) and on broken files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, runJaffle, tempDir } from "../helpers/index.js";

const configDir = join(fixturesDir, "config");
const noLogger = { suppress_regex: [], replace_regex: [] };
const pyKernel = { py_kernel: { kernel_name: "python3", pass_env: [], env: {} } };

test("the seed's TornadoBridgeApp example loads unchanged, with the kernel block from a second file", async () => {
  const result = await runJaffle(["config", "seed-tornado-bridge.hcl", "py-kernel.hcl"], { cwd: configDir });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.deepEqual(JSON.parse(result.stdout), {
    variable: {},
    kernel: pyKernel,
    app: {
      tornado_app: {
        class: "jaffle.app.tornado.TornadoBridgeApp",
        kernel: "py_kernel",
        start: "tornado_app.start()",
        logger: { level: "info", ...noLogger },
        options: {
          app_class: "my_module.app.ExampleApp",
          argv: ["--port=9999"],
          threaded: true,
          clear_cache: ["my_module"],
        },
        disabled: false,
        depends_on: [],
      },
    },
    process: {},
    job: {},
    logger: noLogger,
  });
});

test("the seed's WatchdogApp example loads unchanged; `functions` is read as code_blocks", async () => {
  const result = await runJaffle(["config", "seed-watchdog.hcl", "py-kernel.hcl"], { cwd: configDir });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const config = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(config.app), ["watchdog", "my_app"]);
  assert.deepEqual(config.app.watchdog.options.handlers, [
    {
      patterns: ["*.py"],
      ignore_directories: true,
      code_blocks: ["my_app.handle_watchdog_event({event})"],
      watch_path: ".",
      ignore_patterns: [],
      case_sensitive: false,
      throttle: 0,
      debounce: 0,
      jobs: [],
      apps: [],
      clear_cache: [],
    },
  ]);
  assert.deepEqual(config.app.my_app, {
    class: "jaffle.app.tornado.TornadoBridgeApp",
    kernel: "py_kernel",
    start: "tornado_app.start()",
    options: { app_class: "my_module.app.ExampleApp", argv: [], threaded: false },
    logger: noLogger,
    disabled: false,
    depends_on: [],
  });
});

test("a Jaffle-style (HCL1) configuration loads, with variables from the command line", async () => {
  const result = await runJaffle(["config", "hcl1-style.hcl", "--var", "threaded=true", "--var", "log_level=debug"], {
    cwd: configDir,
    env: { J_VAR_disable_frontend: "1" },
  });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const config = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(config.app), ["watchdog", "web", "pytest"]);
  assert.equal(config.app.watchdog.logger.level, "debug");
  assert.deepEqual(config.app.watchdog.options.handlers[0].code_blocks, [
    "web.handle_watchdog_event({event})",
    "pytest.handle_watchdog_event({event})",
  ]);
  assert.deepEqual(config.app.web.logger.replace_regex, [
    { from: "^([12]\\d{2}) ", to: "\\033[32m\\1\\033[0m " },
    { from: "^([45]\\d{2}) ", to: "\\033[31m\\1\\033[0m " },
  ]);
  assert.deepEqual(config.app.web.options, {
    app_class: "my_app.server.App",
    argv: ["--port=9999", "--host=127.0.0.1"],
    clear_cache: [],
    threaded: true,
  });
  assert.deepEqual(config.app.pytest.options, {
    args: ["-s", "-v", "--color=yes"],
    // The test runner is a built-in now: its schema fills the default of every option.
    auto_test: [],
    auto_test_map: { "my_app/**/*.py": "my_app/tests/{}/test_{}.py" },
  });
  assert.equal(config.process.frontend.disabled, true);
  assert.deepEqual(config.process.frontend.logger.suppress_regex, ["^\\s*$", "yarn run"]);
  assert.deepEqual(config.logger.replace_regex, [
    { from: "^  clear: (.*)", to: "  clear: ${fg('blue')}\\1${reset()}" },
  ]);
  assert.equal(config.job.notes.command, "printf 'line one\nline two\n'");
});

test("without the kernel block the seed example names the missing kernel", async () => {
  const result = await runJaffle(["config", "seed-watchdog.hcl"], { cwd: configDir });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    [
      'seed-watchdog.hcl:3:12: app "watchdog" kernel: no kernel block is named "py_kernel" (no kernel block is defined)',
      'seed-watchdog.hcl:18:12: app "my_app" kernel: no kernel block is named "py_kernel" (no kernel block is defined)',
      "",
    ].join("\n"),
  );
});

test("errors go to stderr, one file:line:col line each, exit 1", async () => {
  const result = await runJaffle(["config", "broken/dangling.hcl"], { cwd: configDir });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.deepEqual(result.stderr.trimEnd().split("\n"), [
    'broken/dangling.hcl:9:12: app "watch" kernel: no kernel block is named "py_kernel" (defined: node)',
    'broken/dangling.hcl:13:27: app "watch" options handlers[0] jobs: no job block is named "lint" (defined: test)',
    'broken/dangling.hcl:14:19: app "watch" options handlers[0] apps: no app block is named "server" (defined: watch)',
  ]);
});

test("jaffle.hcl is the default file; --variables, repeatable --var and J_VAR_* set variables", async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "jaffle.hcl"),
    'variable "port" { default = 1 }\nvariable "host" {}\nvariable "debug" { default = false }\nvariable "tag" {}\nprocess "web" {\n  command = "serve ${var.host}:${var.port} ${var.tag}"\n  disabled = "${var.debug}"\n}\n',
  );
  const result = await runJaffle(
    ["config", "--variables", '["port=2", "host=example"]', "--var", "port=3", "--var", "debug=1"],
    { cwd: dir, env: { J_VAR_tag: "v9" } },
  );
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const config = JSON.parse(result.stdout);
  assert.equal(config.process.web.command, "serve example:3 v9");
  assert.equal(config.process.web.disabled, true);
  assert.deepEqual(config.variable.port, { type: "int", default: 1, value: 3 });

  const missing = await runJaffle(["config"], { cwd: dir, env: { J_VAR_tag: "" } });
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'jaffle.hcl:2:10: variable "host" has no value: give it a default, set J_VAR_host, or pass --var host=VALUE\n',
  );
});

test("a missing file is named", async (t) => {
  const result = await runJaffle(["config", "nowhere.hcl"], { cwd: tempDir(t) });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "nowhere.hcl: no such configuration file\n");
});
