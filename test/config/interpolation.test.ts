import { test } from "node:test";
import assert from "node:assert/strict";
import { KERNEL, load, loadErrors } from "./support.js";
import { nth } from "../helpers/index.js";

/** Loads one process whose env holds `values` (as HCL source text) and returns the env. */
async function evaluate(
  t: Parameters<typeof load>[0],
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, string>> {
  const lines = Object.entries(values).map(([name, source]) => `    ${name} = ${source}`);
  const config = await load(
    t,
    { "a.hcl": KERNEL + `process "p" {\n  command = "x"\n  env {\n${lines.join("\n")}\n  }\n}\n` },
    { env },
  );
  return config.process.p!.env;
}

const ESC = "\x1b";

test("literals, variables, environment names and $${ escapes", async (t) => {
  const env = await evaluate(
    t,
    {
      SINGLE: `"\${'single'}"`,
      DOUBLE: `"\${"double"}"`,
      NUMBER: `"n=\${42}"`,
      BOOL: `"\${true}/\${false}"`,
      UPPER: `"\${X_DIR}/etc"`,
      LITERAL: `"$\${var.not_interpolated}"`,
      MIXED: `"a$\${b}\${'c'}"`,
    },
    { X_DIR: "/opt/x" },
  );
  assert.deepEqual(env, {
    SINGLE: "single",
    DOUBLE: "double",
    NUMBER: "n=42",
    BOOL: "true/false",
    UPPER: "/opt/x/etc",
    LITERAL: "${var.not_interpolated}",
    MIXED: "a${b}c",
  });
});

test("env() with and without a default", async (t) => {
  const env = await evaluate(
    t,
    { SET: `"\${env('X_SET')}"`, DEFAULT: `"\${env('X_UNSET', 'fallback')}"`, EMPTY: `"[\${env('X_UNSET')}]"` },
    { X_SET: "yes" },
  );
  assert.deepEqual(env, { SET: "yes", DEFAULT: "fallback", EMPTY: "[]" });
});

test("exec() returns standard output and runs through /bin/sh in the config's directory", async (t) => {
  const env = await evaluate(t, {
    RAW: `"\${exec('printf \\"%s|%s\\" a b')}"`,
    TRIMMED: `"\${exec('echo hi; echo there >&2') | trim}"`,
    PIPE: `"\${exec('echo abc | tr a-c x-z') | trim}"`,
  });
  assert.deepEqual(env, { RAW: "a|b", TRIMMED: "hi", PIPE: "xyz" });
});

test("fg(), bg() and reset() give ANSI colour codes for every colour", async (t) => {
  const colours = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
  const values: Record<string, string> = {};
  colours.forEach((colour) => {
    values[`FG_${colour}`] = `"\${fg('${colour}')}"`;
    values[`BG_${colour}`] = `"\${bg('${colour}')}"`;
    values[`FGB_${colour}`] = `"\${fg('bright_${colour}')}"`;
    values[`BGB_${colour}`] = `"\${bg('bright_${colour}')}"`;
  });
  values.RESET = `"\${reset()}"`;
  const env = await evaluate(t, values);
  colours.forEach((colour, index) => {
    assert.equal(env[`FG_${colour}`], `${ESC}[${30 + index}m`);
    assert.equal(env[`BG_${colour}`], `${ESC}[${40 + index}m`);
    assert.equal(env[`FGB_${colour}`], `${ESC}[${90 + index}m`);
    assert.equal(env[`BGB_${colour}`], `${ESC}[${100 + index}m`);
  });
  assert.equal(env.RESET, `${ESC}[0m`);
});

test("jq_all/jq and jq_first/jqf run real jq over JSON or Python-style data", async (t) => {
  const env = await evaluate(t, {
    ALL: `"\${jq_all('.[].a', '[{"a": 1}, {"a": "x"}]')}"`,
    JQ: `"\${jq('.items[]', var_data)}"`.replace("var_data", "'{\"items\": [true, null]}'"),
    FIRST: `"\${jq_first('.[]', '[3, 4]')}"`,
    JQF: `"\${jqf('.Host', '{\\'Host\\': \\'example.com\\', \\'ok\\': True}')}"`,
    NONE: `"\${jqf('.[]', '[]')}"`,
    NESTED: `"\${jqf('.a', '{"a": {"b": [1, 2]}}')}"`,
  });
  assert.deepEqual(env, {
    ALL: '[1, "x"]',
    JQ: "[true, null]",
    FIRST: "3",
    JQF: '"example.com"',
    NONE: "null",
    NESTED: '{"b": [1, 2]}',
  });
});

test("filters u, h, x, trim and entity, alone and chained left to right", async (t) => {
  const env = await evaluate(t, {
    U: `"\${'a b&c/d?é' | u}"`,
    H: `"\${'<a href="x">\\'&</a>' | h}"`,
    X: `"\${'<x a="1">&\\'</x>' | x}"`,
    TRIM: `"[\${'  padded \\n' | trim}]"`,
    ENTITY: `"\${'café <b> © α' | entity}"`,
    CHAIN: `"\${'  <b>  ' | trim, h}"`,
    EXEC: `"--ip=\${exec('echo 10.0.0.1') | trim}"`,
  });
  assert.deepEqual(env, {
    U: "a+b%26c%2Fd%3F%C3%A9",
    H: "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&lt;/a&gt;",
    X: "&lt;x a=&#34;1&#34;&gt;&amp;&#39;&lt;/x&gt;",
    TRIM: "[padded]",
    ENTITY: "caf&eacute; &lt;b&gt; &copy; &alpha;",
    CHAIN: "&lt;b&gt;",
    EXEC: "--ip=10.0.0.1",
  });
});

test("interpolation reaches every string: lists, nested objects, app options and commands", async (t) => {
  const config = await load(t, {
    "a.hcl":
      'variable "name" { default = "w" }\nkernel "k" { pass_env = ["${var.name}_PATH"] }\n' +
      'app "w" {\n  class = "Plugin"\n  kernel = "k"\n  start = "${var.name}.start()"\n  options { deep = { list = ["${var.name}", 1] } }\n}\n',
  });
  assert.deepEqual(config.kernel.k!.pass_env, ["w_PATH"]);
  assert.equal(config.app.w!.start, "w.start()");
  assert.deepEqual(config.app.w!.options, { deep: { list: ["w", 1] } });
});

test("labels are names, not templates", async (t) => {
  const errors = await loadErrors(t, { "a.hcl": 'app "${var.name}" {}\n' });
  assert.deepEqual(errors, ['a.hcl:1:5: ${...} is not allowed in a block label or key: "${var.name}"']);
});

test("the language is not JavaScript: no eval, no property access beyond var.", async (t) => {
  const errors = await loadErrors(t, {
    "a.hcl":
      KERNEL +
      'process "p" {\n  command = "${process.exit(1)}"\n  cwd     = "${constructor}"\n  tty     = "${1 + 1}"\n}\n',
  });
  assert.deepEqual(errors, [
    'a.hcl:3:13: in ${process.exit(1)}: unknown name "process" (use var.process for a variable, or an upper-case environment variable name)',
    'a.hcl:4:13: in ${constructor}: unknown name "constructor" (use var.constructor for a variable, or an upper-case environment variable name)',
    'a.hcl:5:13: in ${1 + 1}: unexpected character "+"',
  ]);
});

test("a failing jq query or exec names the string that holds it", async (t) => {
  const errors = await loadErrors(t, {
    "a.hcl":
      KERNEL +
      "process \"p\" {\n  command = \"x ${jqf('.[', '1')}\"\n  cwd = \"${exec('echo oops >&2; exit 2')}\"\n}\n",
  });
  assert.equal(errors.length, 2);
  assert.match(nth(errors, 0), /^a\.hcl:3:13: in \$\{jqf\('\.\[', '1'\)\}: jqf\("\.\["\): jq: error: syntax error/);
  assert.equal(
    errors[1],
    "a.hcl:4:9: in ${exec('echo oops >&2; exit 2')}: exec(\"echo oops >&2; exit 2\") failed (exit code 2): oops",
  );
});

test("var('name', default) reads a variable or falls back", async (t) => {
  const env = await evaluate(t, { KNOWN: `"\${var('x_known', 'd')}"`, UNKNOWN: `"\${var('nope', 'd')}"` });
  assert.deepEqual(env, { KNOWN: "d", UNKNOWN: "d" });
  const config = await load(t, {
    "a.hcl": 'variable "x" { default = "v" }\nprocess "p" { command = "${var(\'x\', \'d\')}" }\n',
  });
  assert.equal(config.process.p!.command, "v");
});
