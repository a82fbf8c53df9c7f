/**
 * Issue 11, item 5 (commands): `jaffle config` rejects the commands `jaffle start`
 * cannot run, at their file:line:col, instead of passing them on to a start that fails
 * with "cannot start: empty command" naming neither the file nor the process.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runJaffle, tempDir } from "../helpers/index.js";

const CONFIG = `process "empty" {
  command = ""
}
job "blank" {
  command = "   "
}
process "quoted" {
  command = "a 'unterminated"
}
`;

for (const command of ["config", "start"]) {
  test(`jaffle ${command}: an empty or badly quoted command is a file:line:col error`, async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "jaffle.hcl"), CONFIG);
    const args = command === "start" ? ["start", "-y", "--exit-when-ready"] : ["config"];
    const result = await runJaffle(args, { cwd: dir });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(
      result.stderr,
      [
        'jaffle.hcl:2:13: process "empty" command: empty command',
        'jaffle.hcl:5:13: job "blank" command: empty command',
        'jaffle.hcl:8:13: process "quoted" command: unterminated single quote at column 3',
        "",
      ].join("\n"),
    );
  });
}
