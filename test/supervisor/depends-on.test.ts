/**
 * `depends_on`: a block starts only once its dependencies are ready, stops before them,
 * fails with the reason when one fails, and a cycle or an unknown name is a
 * configuration error at its file:line:col.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, formatIssue, loadConfig } from "../../src/config/index.js";
import { runJaffle, tempDir, nth } from "../helpers/index.js";
import { groupsOf, project, startReady, statusOf, waitGroupsGone } from "../control/support.js";

/** A process that notes when it started and when it got SIGTERM, in times.log. */
function noting(name: string, extra = ""): string {
  return `process "${name}" {
  command = "sh -c 'echo start ${name} $(date +%s%N) >> times.log; trap \\"echo stop ${name} $(date +%s%N) >> times.log; exit 0\\" TERM; ${extra} echo ${name} is ready; while :; do sleep 0.05; done'"
  ready { log_regex = "${name} is ready" }
`;
}

function events(dir: string): { what: string; name: string; at: bigint }[] {
  return readFileSync(join(dir, "times.log"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [what, name, at] = line.split(" ");
      return { what: what!, name: name!, at: BigInt(at!) };
    });
}

test("depends_on: started after the dependency is ready, stopped before it", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `${noting("db", "sleep 1;")}}
${noting("api")}  depends_on = ["db"]
}
${noting("web")}  depends_on = ["api", "db"]
}
`,
  );
  const { jaffle, status } = await startReady(t, dir);
  const out = jaffle.stdout();
  const readyAt = (name: string) => out.indexOf(`${name} I ${name} is ready`);
  assert.ok(readyAt("db") >= 0 && readyAt("db") < readyAt("api") && readyAt("api") < readyAt("web"), out);
  const started = events(dir);
  assert.deepEqual(
    started.map((e) => e.name),
    ["db", "api", "web"],
  );
  // api was spawned after db printed its ready line, which came 1 s after db started.
  assert.ok(nth(started, 1).at - nth(started, 0).at >= 1_000_000_000n, "api waited for db's readiness");
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
  const stopped = events(dir).filter((e) => e.what === "stop");
  assert.deepEqual(
    stopped.map((e) => e.name),
    ["web", "api", "db"],
  );
});

test("depends_on: a failed dependency fails its dependants with the reason", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `process "db" {
  command = "sh -c 'echo cannot open the database; exit 3'"
  ready { log_regex = "database open" }
}
process "api" {
  command = "sh -c 'echo api ran; exec sleep 600'"
  depends_on = ["db"]
}
process "free" { command = "sleep 600" }
`,
  );
  const result = await runJaffle(["start", "--no-color", "--exit-when-ready"], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    /jaffle E api not started: its dependency db failed: process db failed before it was ready \(failed\)\n/,
  );
  assert.doesNotMatch(result.stdout, /api ran/);
  assert.equal(statusOf(dir), undefined);
});

test("depends_on: a block waits for a dependency that starts later in the file", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `${noting("late")}  depends_on = ["early"]
}
${noting("early", "sleep 0.5;")}}
`,
  );
  const { jaffle, status } = await startReady(t, dir);
  assert.deepEqual(
    events(dir).map((e) => e.name),
    ["early", "late"],
  );
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
});

async function errorsOf(dir: string): Promise<string[]> {
  try {
    await loadConfig(["jaffle.hcl"], { cwd: dir, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.errors.map(formatIssue);
  }
  assert.fail("the configuration loaded");
}

test("depends_on: cycles, unknown and ambiguous names are errors at file:line:col", async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "jaffle.hcl"),
    `kernel "k" {}
app "a" {
  class = "x.Y"
  kernel = "k"
  depends_on = ["b"]
}
process "b" {
  command = "true"
  depends_on = ["c", "nope"]
}
process "c" {
  command = "true"
  depends_on = ["a"]
}
process "d" {
  command = "true"
  depends_on = ["d"]
}
`,
  );
  assert.deepEqual(await errorsOf(dir), [
    'jaffle.hcl:9:22: b depends_on: no app or process is named "nope" (defined: a, b, c, d)',
    "jaffle.hcl:13:17: depends_on cycle: a -> b -> c -> a",
    "jaffle.hcl:17:17: d depends_on: a block cannot depend on itself",
  ]);
  const cli = await runJaffle(["start", "--exit-when-ready"], { cwd: dir });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /^jaffle\.hcl:9:22: b depends_on: no app or process/m);
});
