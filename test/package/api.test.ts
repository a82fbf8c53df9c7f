/**
 * The package's public entry (src/index.ts, what `import ... from "jaffle"` gives):
 * startJaffle() runs a real setup and hands back ready/status()/stop(); a bad
 * configuration rejects with file:line:col. And bin/jaffle.js without dist/ says so in
 * one line; the package build is incremental.
 */
import assert from "node:assert/strict";
import { copyFileSync, cpSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { ConfigError, startJaffle } from "../../src/index.js";
import { isGroupAlive } from "../../src/process/groups.js";
import { repoRoot, tempDir } from "../helpers/index.js";
import { run } from "./support.js";

test(
  "startJaffle: ready, status() while it runs, stop() ends everything and removes the runtime files",
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t, "jaffle-api-");
    writeFileSync(
      join(dir, "jaffle.hcl"),
      `kernel "js" {}
process "waiter" {
  command = "sh -c 'echo up; exec sleep 600'"
  ready { log_regex = "^\${var.word}$" }
}
variable "word" { default = "down" }
`,
    );
    const log = new PassThrough();
    let lines = "";
    log.setEncoding("utf8").on("data", (d: string) => (lines += d));
    const jaffle = await startJaffle({
      configFiles: ["jaffle.hcl"],
      cwd: dir,
      variables: { word: "up" },
      logOutput: log,
    });
    t.after(() => jaffle.stop());
    const report = await jaffle.ready;
    assert.equal(report.ready, true, JSON.stringify(report));
    const status = jaffle.status();
    assert.deepEqual(Object.keys(status.kernels), ["js"]);
    const pid = status.processes["waiter"]?.pid;
    assert.ok(pid && isGroupAlive(pid), "the process runs");
    assert.ok(existsSync(join(dir, ".jaffle", "status.json")));
    await jaffle.stop();
    assert.equal(isGroupAlive(pid), false, "the process group is gone");
    assert.equal(existsSync(join(dir, ".jaffle")), false, "runtime files removed");
    assert.match(lines, /waiter\s+I up/);
    assert.match(lines, /jaffle\s+I shut down in/);
  },
);

test("startJaffle rejects a bad configuration with file:line:col and starts nothing", async (t) => {
  const dir = tempDir(t, "jaffle-api-bad-");
  writeFileSync(join(dir, "jaffle.hcl"), `kernel "js" {\n  bogus = 1\n}\n`);
  await assert.rejects(startJaffle({ cwd: dir }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.errors.map((e) => [e.file, e.line]),
      [["jaffle.hcl", 2]],
    );
    return true;
  });
  assert.equal(existsSync(join(dir, ".jaffle")), false);
});

test("bin/jaffle.js of an unbuilt checkout prints one line, not a stack", async (t) => {
  const dir = tempDir(t, "jaffle-unbuilt-");
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(repoRoot, "bin", "jaffle.js"), join(dir, "bin", "jaffle.js"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "jaffle", type: "module" }));
  const result = await run(t, process.execPath, [join(dir, "bin", "jaffle.js"), "--help"], { cwd: dir });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "jaffle is not built: run npm run build\n");
  assert.equal(result.stdout, "");
});

test(
  "the package build is incremental (npm run example:node): a second tsc -b rebuilds nothing",
  { timeout: 300_000 },
  async (t) => {
    // In a copy, so the build under test never writes into the dist/ other tests run from.
    const dir = tempDir(t, "jaffle-incremental-");
    cpSync(join(repoRoot, "src"), join(dir, "src"), { recursive: true });
    for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json"]) {
      copyFileSync(join(repoRoot, file), join(dir, file));
    }
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const first = await run(t, process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: dir });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const output = join(dir, "dist", "src", "index.js");
    const built = statSync(output).mtimeMs;
    const second = await run(t, process.execPath, [tsc, "-b", "tsconfig.build.json", "--verbose"], { cwd: dir });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /is up to date/);
    assert.equal(statSync(output).mtimeMs, built, "nothing was written");
    assert.ok(existsSync(join(dir, "dist", "src", "index.d.ts")), "the package build writes declarations");
  },
);
