import { test } from "node:test";
import assert from "node:assert/strict";
import { KERNEL, load, loadErrors } from "./support.js";

test("a comma after a block attribute is accepted (HCL1), on its own line or between attributes", async (t) => {
  const config = await load(t, {
    "a.hcl":
      'logger {\n  level = "info",\n}\nprocess "p" {\n  command = "true",\n  logger { level = "debug", name = "renamed" }\n}\n',
  });
  assert.equal(config.logger.level, "info");
  assert.equal(config.process.p!.command, "true");
  assert.equal(config.process.p!.logger.level, "debug");
  assert.equal(config.process.p!.logger.name, "renamed");
});

test("quoted keys in a block body make that block a map, nested blocks included", async (t) => {
  const config = await load(t, {
    "a.hcl":
      KERNEL +
      // An in-kernel app class: its options are passed on as written (a built-in's schema
      // would check them), which is what this parser test needs.
      'app "pytest" {\n  class = "my_ext.MapApp"\n  kernel = "k"\n  options {\n    auto_test_map {\n      "src/**/*.ts" = "test/{}/{}.test.ts"\n      "lib/*.ts"    = "test/lib/{}.test.ts"\n      nested {\n        depth = 2\n      }\n    }\n  }\n}\n',
  });
  assert.deepEqual(config.app.pytest!.options, {
    auto_test_map: { "src/**/*.ts": "test/{}/{}.test.ts", "lib/*.ts": "test/lib/{}.test.ts", nested: { depth: 2 } },
  });
});

test("Jaffle-style strings: single quotes, filters and nested quotes in ${...}, escapes kept, raw newlines", async (t) => {
  const config = await load(
    t,
    {
      "a.hcl":
        KERNEL +
        [
          'process "p" {',
          "  command = \"serve --ip=${exec('echo 127.0.0.1') | trim}\"",
          "  env {",
          '    NESTED  = "${env("X_HOME")}"',
          '    ESCAPED = "${env(\\"X_HOME\\")}"',
          "    PIPE    = \"${'a b' | u}\"",
          '    LINES   = "first',
          'second"',
          '    TABS    = "a\\tb\\nc\\\\d\\"e"',
          "  }",
          "  logger {",
          '    suppress_regex = ["^\\\\s*$", "\\d+ ms"]',
          '    replace_regex = [{ from = "^([12]\\\\d{2}) ", to = "\\033[32m\\\\1\\033[0m " }]',
          "  }",
          "}",
          "",
        ].join("\n"),
    },
    { env: { X_HOME: "/home/x" } },
  );
  const p = config.process.p!;
  assert.equal(p.command, "serve --ip=127.0.0.1");
  assert.deepEqual(p.env, {
    NESTED: "/home/x",
    ESCAPED: "/home/x",
    PIPE: "a+b",
    LINES: "first\nsecond",
    TABS: 'a\tb\nc\\d"e',
  });
  // `\\s` is an escaped backslash; `\d` is not an HCL escape and stays as written.
  assert.deepEqual(p.logger.suppress_regex, ["^\\s*$", "\\d+ ms"]);
  assert.deepEqual(p.logger.replace_regex, [{ from: "^([12]\\d{2}) ", to: "\\033[32m\\1\\033[0m " }]);
});

test("blocks become maps keyed by label in file order; lists of objects stay lists", async (t) => {
  const config = await load(t, {
    "a.hcl":
      'kernel "zeta" {}\nkernel "alpha" {}\nkernel "mid" {}\n' +
      'process "z" { command = "z" }\nprocess "a" { command = "a" }\n' +
      'app "w" {\n  class = "WatchdogApp"\n  kernel = "mid"\n  options {\n    handlers = [\n      { patterns = ["*.ts"] },\n      { patterns = ["*.py"], throttle = 0.5 },\n    ]\n  }\n}\n',
  });
  assert.deepEqual(Object.keys(config.kernel), ["zeta", "alpha", "mid"]);
  assert.deepEqual(Object.keys(config.process), ["z", "a"]);
  const handlers = config.app.w!.options.handlers as { patterns: string[]; throttle: number }[];
  assert.ok(Array.isArray(handlers));
  assert.deepEqual(
    handlers.map((h) => [h.patterns, h.throttle]),
    [
      [["*.ts"], 0],
      [["*.py"], 0.5],
    ],
  );
});

test("a repeated block merges into the first; keys of a body keep their order", async (t) => {
  const config = await load(t, {
    "a.hcl":
      'process "p" {\n  command = "one"\n  env { B = "1" }\n}\nprocess "p" {\n  env { A = "2" }\n  tty = true\n}\n',
  });
  assert.equal(config.process.p!.command, "one");
  assert.equal(config.process.p!.tty, true);
  assert.deepEqual(Object.keys(config.process.p!.env), ["B", "A"]);
});

test("HCL2 syntax loads too: expressions, heredocs, comments", async (t) => {
  const config = await load(
    t,
    {
      "a.hcl": [
        "# a comment",
        'variable "off" { default = true }',
        'variable "dir" { default = "sub" }',
        "// another",
        'kernel "k" { /* inline */ }',
        'process "p" {',
        "  command = <<-EOT",
        "    echo one",
        "      echo two",
        "  EOT",
        "  disabled = var.off",
        '  env = { DIR = var.dir, LIST = "${var.dir}/x" }',
        "}",
        "",
      ].join("\n"),
    },
    {},
  );
  assert.equal(config.process.p!.command, "echo one\n  echo two\n");
  assert.equal(config.process.p!.disabled, true);
  assert.deepEqual(config.process.p!.env, { DIR: "sub", LIST: "sub/x" });
});

test("JSON configuration files load to the same configuration as HCL", async (t) => {
  const hcl = await load(t, {
    "a.hcl":
      'kernel "k" { kernel_name = "python3" }\nprocess "p" {\n  command = "run ${var.x}"\n  env { A = "1" }\n}\nvariable "x" { default = 3 }\n',
  });
  const json = await load(t, {
    "a.json": JSON.stringify({
      kernel: { k: { kernel_name: "python3" } },
      process: { p: { command: "run ${var.x}", env: { A: "1" } } },
      variable: { x: { default: 3 } },
    }),
  });
  assert.deepEqual(json, hcl);
  assert.equal(json.process.p!.command, "run 3");
});

test("positions after rewritten strings are the file's own", async (t) => {
  const errors = await loadErrors(t, {
    "a.hcl": 'process "p" {\n  command = "multi\nline ${\'x\'}",\n  unknown_option = 1\n}\n',
  });
  assert.deepEqual(errors, [
    'a.hcl:4:3: unknown option "unknown_option" in process "p" (known: command, tty, env, cwd, logger, disabled, restart, max_restarts, restart_window, stop_timeout, ready, depends_on, keep_blank_lines)',
  ]);
});

test("multi-line strings inside lists and heredocs keep the positions of what follows", async (t) => {
  const config = await load(t, {
    "a.hcl":
      KERNEL +
      'app "w" {\n  class = "WatchdogApp"\n  kernel = "k"\n  options {\n    handlers = [{\n      code_blocks = ["first\nsecond ${\'x\'}", "third"]\n    }]\n  }\n}\n',
  });
  const handlers = config.app.w!.options.handlers as { code_blocks: string[] }[];
  assert.deepEqual(handlers[0]!.code_blocks, ["first\nsecond x", "third"]);

  const errors = await loadErrors(t, {
    "b.hcl":
      "process \"p\" {\n  command = <<EOT\n${'x'} \\033\nEOT\n  env = { A = \"\\d ${'y'}\" }\n  tty = = true\n}\n",
  });
  assert.deepEqual(errors, [
    "b.hcl:6:9: Invalid expression; Expected the start of an expression, but found an invalid expression token",
  ]);
});

test("a JSON configuration must be an object of blocks", async (t) => {
  assert.deepEqual(await loadErrors(t, { "a.json": "[1, 2]" }), ["a.json:1:1: a JSON configuration must be an object"]);
  assert.deepEqual(await loadErrors(t, { "a.json": '{"process": {"p": {"command": 1}}}' }), [
    'a.json:1:31: process "p" command: expected a string, found the number 1',
  ]);
});

test("an attribute defined twice in one body is reported by the HCL parser at the second one", async (t) => {
  const errors = await loadErrors(t, { "a.hcl": 'process "p" {\n  command = "a"\n  command = "b"\n}\n' });
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^a\.hcl:3:3: Attribute redefined; The argument "command" was already set at a\.hcl:2:3/);
});
