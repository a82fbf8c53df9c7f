import { test } from "node:test";
import assert from "node:assert/strict";
import { load, loadErrors } from "./support.js";

const TYPED = `
variable "s" { default = "text" }
variable "b" { default = true }
variable "i" { default = 42 }
variable "f" { default = 1.5 }
variable "l" { default = ["a", "b"] }
variable "d" { default = { k = "v" } }
variable "untyped" {}
variable "ts" { type = "str" }
variable "tb" { type = "bool" }
variable "ti" { type = "int" }
variable "tf" { type = "float" }
variable "tl" { type = "list" }
variable "td" { type = "dict" }
`;

test("types are inferred from defaults, else str; typed variables take text values", async (t) => {
  const config = await load(
    t,
    { "a.hcl": TYPED },
    {
      env: {
        J_VAR_untyped: "u",
        J_VAR_ts: "42",
        J_VAR_tb: "1",
        J_VAR_ti: "-7",
        J_VAR_tf: "2.25",
        J_VAR_tl: '[1, "x"]',
        J_VAR_td: '{"a": {"b": 2}}',
      },
    },
  );
  assert.deepEqual(config.variable, {
    s: { type: "str", default: "text", value: "text" },
    b: { type: "bool", default: true, value: true },
    i: { type: "int", default: 42, value: 42 },
    f: { type: "float", default: 1.5, value: 1.5 },
    l: { type: "list", default: ["a", "b"], value: ["a", "b"] },
    d: { type: "dict", default: { k: "v" }, value: { k: "v" } },
    untyped: { type: "str", value: "u" },
    ts: { type: "str", value: "42" },
    tb: { type: "bool", value: true },
    ti: { type: "int", value: -7 },
    tf: { type: "float", value: 2.25 },
    tl: { type: "list", value: [1, "x"] },
    td: { type: "dict", value: { a: { b: 2 } } },
  });
});

test('bools accept "true", "1", "false" and "0"', async (t) => {
  for (const [text, value] of [
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ] as const) {
    const config = await load(t, { "a.hcl": 'variable "x" { default = false }' }, { vars: [`x=${text}`] });
    assert.equal(config.variable.x!.value, value, text);
  }
});

test("sources in rising precedence: default, J_VAR_*, --variables, --var", async (t) => {
  const files = {
    "a.hcl":
      'variable "a" { default = "def" }\nvariable "b" { default = "def" }\nvariable "c" { default = "def" }\nvariable "d" { default = "def" }\n',
  };
  const config = await load(t, files, {
    env: { J_VAR_b: "env", J_VAR_c: "env", J_VAR_d: "env" },
    variablesJson: '["c=list", "d=list"]',
    vars: ["d=var"],
  });
  assert.deepEqual(Object.fromEntries(Object.entries(config.variable).map(([name, v]) => [name, v.value])), {
    a: "def",
    b: "env",
    c: "list",
    d: "var",
  });
});

test("--variables also takes a JSON object with typed values; values may hold '='", async (t) => {
  const config = await load(
    t,
    { "a.hcl": 'variable "n" { type = "int" }\nvariable "flag" { type = "bool" }\nvariable "q" {}\n' },
    {
      variablesJson: '{"n": 5, "flag": false, "q": "a=b"}',
    },
  );
  assert.deepEqual(
    [config.variable.n!.value, config.variable.flag!.value, config.variable.q!.value],
    [5, false, "a=b"],
  );
  const listForm = await load(t, { "a.hcl": 'variable "q" {}\n' }, { variablesJson: '["q=a=b"]' });
  assert.equal(listForm.variable.q!.value, "a=b");
});

test('"${var.flag}" alone keeps the variable\'s type; inside text it becomes text', async (t) => {
  const config = await load(t, {
    "a.hcl":
      'variable "flag" { default = true }\nvariable "n" { default = 3 }\nvariable "args" { default = ["--a", "--b"] }\n' +
      'process "p" {\n  command = "run ${var.flag} ${var.n} ${var.args}"\n  disabled = "${var.flag}"\n  max_restarts = "${var.n}"\n}\n' +
      'kernel "k" {}\napp "b" {\n  class = "ServerBridgeApp"\n  kernel = "k"\n  options {\n    app_class = "x"\n    argv = "${var.args}"\n    threaded = "${var.flag}"\n  }\n}\n',
  });
  assert.equal(config.process.p!.command, 'run true 3 ["--a","--b"]');
  assert.equal(config.process.p!.disabled, true);
  assert.equal(config.process.p!.max_restarts, 3);
  assert.deepEqual(config.app.b!.options, { app_class: "x", argv: ["--a", "--b"], threaded: true });
});

test("variables of earlier files are visible to later files, which may override them", async (t) => {
  const config = await load(t, {
    "base.hcl": 'variable "port" { default = 8000 }\nvariable "host" { default = "localhost" }\n',
    "local.hcl": 'variable "port" { default = 9000 }\nprocess "web" { command = "serve ${var.host}:${var.port}" }\n',
  });
  assert.equal(config.process.web!.command, "serve localhost:9000");
});

test("a missing value and values that do not fit the type are errors naming the variable and source", async (t) => {
  const errors = await loadErrors(
    t,
    {
      "a.hcl":
        'variable "need" {}\nvariable "flag" { type = "bool" }\nvariable "n" { default = 1 }\nvariable "l" { type = "list" }\nvariable "d" { type = "dict" }\nvariable "f" { type = "float" }\n',
    },
    { env: { J_VAR_flag: "yes" }, vars: ["n=1.5", "l={}", "d=[1]", "f=abc", "novalue"], variablesJson: "[1]" },
  );
  assert.deepEqual(errors, [
    'a.hcl:1:10: variable "need" has no value: give it a default, set J_VAR_need, or pass --var need=VALUE',
    '--variables: invalid variable assignment 1; write "name=value"',
    '--var: invalid variable assignment "novalue"; write --var name=value',
    'J_VAR_flag: variable "flag": "yes" is not a bool (use true, false, 1 or 0)',
    '--var n: variable "n": "1.5" is not an int',
    '--var l: variable "l": {} is not a list',
    '--var d: variable "d": [1] is not a dict',
    '--var f: variable "f": "abc" is not a float',
  ]);
});

test("--variables that is not JSON is a clear error", async (t) => {
  const errors = await loadErrors(t, { "a.hcl": "" }, { variablesJson: "[name=value]" });
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^--variables: not valid JSON \(.*\); write --variables='\["name=value"\]'$/);
});

test("a variable without a value is reported once, not again where it is used", async (t) => {
  const errors = await loadErrors(t, {
    "a.hcl": 'variable "x" { type = "int" }\nprocess "p" { command = "run ${var.x}" }\n',
  });
  assert.deepEqual(errors, [
    'a.hcl:1:10: variable "x" has no value: give it a default, set J_VAR_x, or pass --var x=VALUE',
  ]);
});

test("--var and --variables for a variable no block declares are errors naming it; J_VAR_* is left alone", async (t) => {
  const errors = await loadErrors(
    t,
    { "a.hcl": 'variable "port" { default = 1 }\n' },
    { env: { J_VAR_other_project: "x" }, vars: ["prot=2"], variablesJson: '{"host": "h"}' },
  );
  assert.deepEqual(errors, [
    '--variables: no variable block declares "host" (declared: port)',
    '--var prot: no variable block declares "prot" (declared: port)',
  ]);
});
