import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./support.js";

test("several files merge in order: maps deeply, everything else overwritten, new blocks appended", async (t) => {
  const config = await load(t, {
    "jaffle.hcl": [
      'kernel "k" { pass_env = ["PATH"] }',
      'process "web" {',
      '  command = "serve"',
      "  env {",
      '    A = "1"',
      '    B = "1"',
      "  }",
      '  logger { suppress_regex = ["x", "y"] }',
      "}",
      'process "worker" { command = "work" }',
      "",
    ].join("\n"),
    "local.hcl": [
      'kernel "k" { pass_env = ["HOME"] }',
      'process "web" {',
      "  tty = true",
      '  env { B = "2", C = "3" }',
      '  logger { suppress_regex = ["z"] }',
      "}",
      'process "extra" { command = "more" }',
      'logger { level = "debug" }',
      "",
    ].join("\n"),
  });
  assert.deepEqual(config.kernel.k!.pass_env, ["HOME"]);
  assert.deepEqual(Object.keys(config.process), ["web", "worker", "extra"]);
  const web = config.process.web!;
  assert.equal(web.command, "serve");
  assert.equal(web.tty, true);
  assert.deepEqual(web.env, { A: "1", B: "2", C: "3" });
  assert.deepEqual(web.logger.suppress_regex, ["z"]);
  assert.equal(config.logger.level, "debug");
});

test("HCL and JSON files merge together", async (t) => {
  const config = await load(t, {
    "jaffle.hcl": 'process "p" { command = "a" }\n',
    "override.json": '{ "process": { "p": { "command": "b", "tty": true } } }',
  });
  assert.equal(config.process.p!.command, "b");
  assert.equal(config.process.p!.tty, true);
});
