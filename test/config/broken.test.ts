/**
 * Broken configurations from test/fixtures/config/broken: every problem of a file is
 * reported, each at its exact `file:line:col`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { builtinApps } from "../../src/apps/catalog.js";
import { ConfigError, formatIssue, loadConfig } from "../../src/config/index.js";
import { fixturesDir } from "../helpers/index.js";

const brokenDir = join(fixturesDir, "config", "broken");

async function errorsOf(file: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig([file], { cwd: brokenDir, env, apps: builtinApps });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.errors.map(formatIssue);
  }
  assert.fail(`${file} loaded without errors`);
}

const expected: Record<string, string[]> = {
  "unknown-keys.hcl": [
    'unknown-keys.hcl:3:3: unknown option "pass_envs" in kernel "k" (known: kernel_name, pass_env, env, gateway)',
    'unknown-keys.hcl:9:3: unknown option "stat" in app "web" (known: class, kernel, start, logger, options, disabled, ready, depends_on)',
    'unknown-keys.hcl:13:5: unknown option "port" in app "web" options (known: app_class, argv, threaded, clear_cache, ready_url)',
    'unknown-keys.hcl:18:3: unknown option "levels" in logger (known: level, suppress_regex, replace_regex, name, backlog_bytes)',
    'unknown-keys.hcl:21:1: unknown top-level block "processes" in the configuration (known: variable, kernel, app, process, job, logger, gateway)',
  ],
  "wrong-types.hcl": [
    'wrong-types.hcl:2:14: kernel "k" pass_env: expected a list, found the string "PATH"',
    'wrong-types.hcl:4:12: kernel "k" env.LIST: expected a string, found a list',
    'wrong-types.hcl:9:18: process "p" command: expected a string, found a list',
    'wrong-types.hcl:10:18: process "p" tty: expected true or false, found the string "yes"',
    'wrong-types.hcl:11:18: process "p" restart: "sometimes" is not one of never, on-failure, always',
    'wrong-types.hcl:12:18: process "p" max_restarts: expected a whole number, found 1.5',
    'wrong-types.hcl:14:15: process "p" ready port: 70000 is out of range (must be between 1 and 65535)',
    'wrong-types.hcl:15:15: process "p" ready url: "localhost:3000" is not an http(s) URL',
    'wrong-types.hcl:16:15: process "p" ready timeout: -1 is out of range (must be at least 0)',
    'wrong-types.hcl:19:13: process "p" logger level: "loud" is not one of critical, error, warning, info, debug',
    'wrong-types.hcl:29:20: app "w" options handlers[0] patterns: expected a list, found the string "*.ts"',
    'wrong-types.hcl:30:20: app "w" options handlers[0] throttle: expected a number, found the string "fast"',
  ],
  "dangling.hcl": [
    'dangling.hcl:9:12: app "watch" kernel: no kernel block is named "py_kernel" (defined: node)',
    'dangling.hcl:13:27: app "watch" options handlers[0] jobs: no job block is named "lint" (defined: test)',
    'dangling.hcl:14:19: app "watch" options handlers[0] apps: no app block is named "server" (defined: watch)',
  ],
  "missing-required.hcl": [
    'missing-required.hcl:3:1: app "a": missing required option "class"',
    'missing-required.hcl:10:3: app "bridge" options: missing required option "app_class"',
    'missing-required.hcl:12:5: app "bridge" options: "args" and "argv" are the same option; give only one',
    'missing-required.hcl:16:1: process "p": missing required option "command"',
    'missing-required.hcl:20:1: job "j": missing required option "command"',
  ],
  "syntax.hcl": [
    "syntax.hcl:4:13: Invalid expression; Expected the start of an expression, but found an invalid expression token",
  ],
  "unterminated.hcl": ["unterminated.hcl:4:13: unterminated string"],
  "unterminated-expression.hcl": ["unterminated-expression.hcl:4:13: unterminated string inside ${...}"],
  "comma-labels.hcl": [
    'comma-labels.hcl:8:17: block "sub" with labels cannot be nested in a block holding quoted keys or commas',
  ],
  "interpolation.hcl": [
    'interpolation.hcl:8:13: in ${var.host}: undefined variable "host" (no variable block declares it)',
    "interpolation.hcl:10:15: in ${fg('purple')}: invalid colour \"purple\" (colours: black, red, green, yellow, blue, magenta, cyan, white, bright_black, bright_red, bright_green, bright_yellow, bright_blue, bright_magenta, bright_cyan, bright_white)",
    "interpolation.hcl:11:15: in ${NOT_SET_ANYWHERE}: environment variable NOT_SET_ANYWHERE is not set (use env('NOT_SET_ANYWHERE', 'default') for a default)",
    "interpolation.hcl:12:15: in ${nope()}: unknown function nope()",
    "interpolation.hcl:13:15: in ${exec('exit 3')}: exec(\"exit 3\") failed (exit code 3)",
    'interpolation.hcl:14:15: in ${var.port | shout}: unknown filter "shout" (filters: u, h, x, trim, entity)',
  ],
  "bad-regex.hcl": [
    'bad-regex.hcl:4:21: logger suppress_regex[0]: invalid regular expression "(unclosed": Unterminated group',
    'bad-regex.hcl:6:14: logger replace_regex[0] from: invalid regular expression "a(b": Unterminated group',
    'bad-regex.hcl:7:27: logger replace_regex[1] to: invalid replacement "\\\\q": bad escape \\q at position 0',
    "bad-regex.hcl:8:27: logger replace_regex[2] to: invalid replacement \"${fg('red'}\": in ${fg('red'}: expected \")\", found the end of the expression",
  ],
  "variables.hcl": [
    'variables.hcl:2:13: variable "count": invalid type "number" (types: str, bool, int, float, list, dict)',
    'variables.hcl:8:13: variable "flag": the default "maybe" is not a bool (use true, false, 1 or 0)',
    'variables.hcl:11:10: variable "required" has no value: give it a default, set J_VAR_required, or pass --var required=VALUE',
    'variables.hcl:15:3: unknown option "secret" in variable "extra" (options: type, default, description)',
  ],
  "bad.json": ["bad.json:6:29: a trailing comma is not allowed in JSON"],
};

for (const [file, errors] of Object.entries(expected)) {
  test(`broken/${file}: every error at its exact position`, async () => {
    assert.deepEqual(await errorsOf(file), errors);
  });
}

test("a missing file is an error naming it; other files are still checked", async () => {
  try {
    await loadConfig(["no-such.hcl", "syntax.hcl"], { cwd: brokenDir, env: {}, apps: builtinApps });
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.message.split("\n"), [
      "no-such.hcl: no such configuration file",
      "syntax.hcl:4:13: Invalid expression; Expected the start of an expression, but found an invalid expression token",
    ]);
  }
});

test("the default file is jaffle.hcl", async () => {
  try {
    await loadConfig([], { cwd: brokenDir, env: {}, apps: builtinApps });
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, "jaffle.hcl: no such configuration file");
  }
});
