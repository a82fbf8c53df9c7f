/**
 * Jobs run on demand by apps (through `AppContext.runJob`), processes behind a
 * pseudo-terminal, and a runtime directory given on the command line.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runJaffle } from "../helpers/index.js";
import { groupsOf, linesOf, NODE_KERNEL, project, startReady, waitGroupsGone } from "./support.js";

test(
  "apps run jobs: output under the job's logger, exit status logged, triggers do not pile up",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(
      t,
      `kernel "js" { ${NODE_KERNEL} }
app "builder" {
  class = "./builder.ts#Builder"
  kernel = "js"
}
job "build" {
  command = "sh -c 'echo building; sleep 0.5; echo built'"
}
job "fail" {
  command = "sh -c 'echo oops >&2; exit 4'"
}
`,
      {
        "builder.ts": `import type { AppContext } from ${JSON.stringify(join(process.cwd(), "src/apps/api.ts"))};
export class Builder {
  constructor(private context: AppContext) {}
  async setup() {
    // Three triggers at once: one run now, one queued behind it, the third shares that one.
    const outcomes = await Promise.all([this.context.runJob("build"), this.context.runJob("build"), this.context.runJob("build")]);
    this.context.logger.info("build outcomes: " + outcomes.map((o) => o.exitCode).join(","));
    const failed = await this.context.runJob("fail");
    this.context.logger.info("fail outcome: " + JSON.stringify(failed));
    await this.context.runJob("missing").catch((error: Error) => this.context.logger.info("missing: " + error.message));
  }
}
`,
      },
    );
    const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const build = linesOf(run.stdout, "build");
    assert.deepEqual(
      build.filter((line) => !line.startsWith("finished")),
      ["building", "built", "building", "built"],
      "two runs, not three",
    );
    assert.equal(build.filter((line) => /^finished with exit code 0 in \d+\.\d\d s$/.test(line)).length, 2);
    assert.deepEqual(
      linesOf(run.stdout, "fail").map((line) => line.replace(/\d+\.\d\d s/, "T")),
      ["oops", "failed with exit code 4 after T"],
    );
    assert.match(run.stdout, / fail W oops$/m, "a job's stderr is a warning");
    assert.deepEqual(linesOf(run.stdout, "builder"), [
      "build outcomes: 0,0,0",
      'fail outcome: {"exitCode":4,"signal":null,"ok":false}',
      'missing: no job named "missing"',
    ]);
  },
);

test("a tty process runs behind a pseudo-terminal and keeps its colours", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `kernel "js" { ${NODE_KERNEL} }
process "colourful" {
  command = "sh -c 'test -t 1 && echo on a terminal; printf \\"\\\\033[31mred\\\\033[0m text\\\\n\\"; echo ready; exec sleep 600'"
  tty = true
  ready {
    log_regex = "^ready"
  }
}
process "piped" {
  command = "sh -c 'test -t 1 || echo not on a terminal; echo ready; exec sleep 600'"
  ready {
    log_regex = "^ready"
  }
}
`,
  );
  // Colour needs a terminal on jaffle's side too; through a pipe it is stripped.
  const plain = await runJaffle(["start", "--exit-when-ready"], { cwd: dir });
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  assert.deepEqual(linesOf(plain.stdout, "colourful"), ["on a terminal", "red text", "ready"]);
  assert.deepEqual(linesOf(plain.stdout, "piped"), ["not on a terminal", "ready"]);
  const json = await runJaffle(["start", "--exit-when-ready", "--log-format", "json"], {
    cwd: dir,
    env: { FORCE_COLOR: "1" },
  });
  assert.equal(json.code, 0, json.stdout + json.stderr);
  const messages = json.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { name: string; msg: string });
  assert.ok(
    messages.some((m) => m.name === "colourful" && m.msg === "red text"),
    "JSON lines carry no escapes when stdout is no terminal",
  );
});

test(
  "--runtime-dir puts the runtime files elsewhere; status and stop find them there",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, `kernel "js" { ${NODE_KERNEL} }\nprocess "sleeper" {\n  command = "sleep 600"\n}\n`);
    const { jaffle, status } = await startReady(t, dir, ["--runtime-dir", "run/state"]);
    assert.equal(status.pid, jaffle.child.pid);
    assert.equal(status.kernels.js!.connectionFile, join(dir, "run/state/kernel-js.json"));
    assert.equal(existsSync(join(dir, ".jaffle")), false);
    assert.equal((await runJaffle(["status"], { cwd: dir })).code, 1, "not in the default place");
    const found = await runJaffle(["status", "--runtime-dir", "run/state", "--json"], { cwd: dir });
    assert.equal(found.code, 0);
    assert.equal((JSON.parse(found.stdout) as { pid: number }).pid, status.pid);
    const stop = await runJaffle(["stop", "--runtime-dir", "run/state"], { cwd: dir });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone(groupsOf(status), 5_000);
    assert.equal(existsSync(join(dir, "run/state")), false);
  },
);
