/**
 * Bad configurations through the real executable, `jaffle config` and `jaffle start`
 * alike: each mistake is exactly one stderr line that starts with its real
 * `file:line:col`, and the exit code is 1. These are the cases that used to give
 * `file:1:1` with the position buried in the message, a message split over several
 * lines, or "Maximum call stack size exceeded" with no location at all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runJaffle, tempDir } from "../helpers/index.js";

const DEEP = 10_000;
const KERNEL = 'kernel "k" {}\n';

interface Case {
  name: string;
  file: string;
  text: string;
  /** The one line both commands print. */
  error: string;
}

const cases: Case[] = [
  {
    name: "an HCL parser error whose range ends on the next line",
    file: "jaffle.hcl",
    text: KERNEL + 'process "p" {\n  command = "echo" +\n}\n',
    error:
      "jaffle.hcl:3:21: Invalid expression; Expected the start of an expression, but found an invalid expression token",
  },
  {
    name: "a quoted object key holding a raw newline (two parser diagnostics at one place)",
    file: "jaffle.hcl",
    text: KERNEL + 'process "p" {\n  command = "x"\n  env = { "a\nb" = "1" }\n}\n',
    error:
      'jaffle.hcl:4:13: Invalid multi-line string; Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the "heredoc" multi-line template syntax',
  },
  {
    name: "a quoted name with a raw newline, quoted in our own message",
    file: "jaffle.hcl",
    text: KERNEL + 'process "p" {\n  "multi\nline" 3\n}\n',
    error: 'jaffle.hcl:4:7: expected "=" after the quoted name "multi\\nline"',
  },
  {
    name: "an expression with a raw newline, quoted in the interpolation error",
    file: "jaffle.hcl",
    text: KERNEL + 'process "p" {\n  command = "${var.\nx}"\n}\n',
    error: 'jaffle.hcl:3:13: in ${var.\\nx}: undefined variable "x" (no variable block declares it)',
  },
  {
    name: "lists nested 10,000 deep",
    file: "jaffle.hcl",
    text: KERNEL + `process "p" {\n  command = "x"\n  env = { A = ${"[".repeat(DEEP)}${"]".repeat(DEEP)} }\n}\n`,
    // The block is level 1, the object 2: the 99th "[" (column 15 + 98) opens level 101.
    error: "jaffle.hcl:4:113: nested more than 100 levels deep",
  },
  {
    name: "blocks nested 10,000 deep",
    file: "jaffle.hcl",
    text: KERNEL + "a {\n".repeat(DEEP) + "}\n".repeat(DEEP),
    error: "jaffle.hcl:102:3: nested more than 100 levels deep",
  },
  {
    name: "an HCL2 expression nested 10,000 deep (read by the HCL parser)",
    file: "jaffle.hcl",
    text: KERNEL + `process "p" {\n  command = ${"f(".repeat(DEEP)}1${")".repeat(DEEP)}\n}\n`,
    // Level 1 is the block; "f(" pairs start at column 13, so the 100th "(" is at 13 + 99 * 2 + 1.
    error: "jaffle.hcl:3:212: nested more than 100 levels deep",
  },
  {
    name: "parentheses nested 10,000 deep inside ${...}",
    file: "jaffle.hcl",
    text: KERNEL + `process "p" {\n  command = "\${${"(".repeat(DEEP)}1${")".repeat(DEEP)}}"\n}\n`,
    error: `jaffle.hcl:3:13: in \${${"(".repeat(57)}...}: nested more than 100 levels deep`,
  },
  {
    name: "a JSON file nested 10,000 deep",
    file: "jaffle.json",
    text: `{"kernel": {"k": {}}, "x": ${"[".repeat(DEEP)}${"]".repeat(DEEP)}}`,
    // The top-level object is level 1: the 100th "[" (column 28 + 99) opens level 101.
    error: "jaffle.json:1:127: nested more than 100 levels deep",
  },
  {
    name: "a repeated kernel block setting kernel_name again",
    file: "jaffle.hcl",
    text: 'kernel "k" {\n  kernel_name = "python3"\n}\nkernel "k" {\n  kernel_name = "jaffle-node"\n}\n',
    error:
      'jaffle.hcl:5:3: kernel "k" kernel_name is set again (first at jaffle.hcl:2:3): a repeated block merges into the first, so this would overwrite it',
  },
  {
    name: "a repeated process block setting an env variable again",
    file: "jaffle.hcl",
    text: KERNEL + 'process "p" {\n  command = "a"\n  env { A = "1" }\n}\nprocess "p" {\n  env { A = "2" }\n}\n',
    error:
      'jaffle.hcl:7:9: process "p" env A is set again (first at jaffle.hcl:4:9): a repeated block merges into the first, so this would overwrite it',
  },
];

for (const { name, file, text, error } of cases) {
  test(`${name}: one line at file:line:col from config and start, exit 1`, async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, file), text);
    const env = { JAFFLE_CACHE_DIR: join(dir, "cache") };
    const config = await runJaffle(["config", file], { cwd: dir, env });
    assert.equal(config.stdout, "");
    assert.equal(config.stderr, `${error}\n`);
    assert.equal(config.code, 1);
    const start = await runJaffle(["start", "--exit-when-ready", "--no-color", file], { cwd: dir, env });
    assert.equal(start.stderr, `${error}\n`, start.stdout);
    assert.equal(start.code, 1);
  });
}

test("repeated blocks with disjoint options still merge into the first", async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "jaffle.hcl"),
    KERNEL +
      'process "p" {\n  command = "a"\n  env { A = "1" }\n}\nprocess "p" {\n  tty = true\n  env { B = "2" }\n}\n',
  );
  const result = await runJaffle(["config"], { cwd: dir, env: { JAFFLE_CACHE_DIR: join(dir, "cache") } });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const process = JSON.parse(result.stdout).process.p;
  assert.equal(process.command, "a");
  assert.equal(process.tty, true);
  assert.deepEqual(process.env, { A: "1", B: "2" });
});

test("a --var value nested 10,000 deep: one line naming the option, from config and start, exit 1", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "jaffle.hcl"), 'variable "x" { type = "list" }\n' + KERNEL);
  const env = { JAFFLE_CACHE_DIR: join(dir, "cache") };
  const deep = `x=${"[".repeat(DEEP)}${"]".repeat(DEEP)}`;
  const error = '--var x: variable "x": the value is nested more than 100 levels deep\n';
  const config = await runJaffle(["config", "--var", deep], { cwd: dir, env });
  assert.equal(config.stderr, error);
  assert.equal(config.code, 1);
  const start = await runJaffle(["start", "--exit-when-ready", "--no-color", "--var", deep], { cwd: dir, env });
  assert.equal(start.stderr, error, start.stdout);
  assert.equal(start.code, 1);
});
