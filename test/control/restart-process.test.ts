/**
 * `jaffle restart` of a process: a new pid, the others untouched, the budget untouched.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "../helpers/index.js";
import { groupsOf, jaffleIn, pidsOf, project, startReady, statusOf, waitGroupsGone } from "./support.js";

test("jaffle restart of a process gives it a new pid and leaves the others alone", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `kernel "js" {}
process "db" {
  command = "sh -c 'echo db ready; exec sleep 600'"
  ready { log_regex = "db ready" }
}
process "other" { command = "sleep 600" }
`,
  );
  const { jaffle } = await startReady(t, dir);
  const before = pidsOf(dir);
  const result = await jaffleIn(dir, ["restart", "db"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^restarted process db \\(pid ${before.db} -> \\d+\\) in \\d+\\.\\d+ s\\n$`));
  const after = await waitFor(() => {
    const pids = pidsOf(dir);
    return pids.db !== before.db && pids.db !== null ? pids : undefined;
  }, "db's new pid in the status file");
  assert.equal(after.other, before.other);
  assert.equal(after["kernel js"], before["kernel js"]);
  assert.equal(statusOf(dir)!.processes.db!.restarts, 0, "a restart asked for takes nothing from the budget");
  assert.equal(jaffle.stdout().match(/db I db ready/g)?.length, 2);

  const unknown = await jaffleIn(dir, ["restart", "nope"]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'jaffle: no kernel, app or process named "nope" runs (running: js, db, other)\n');
  const groups = groupsOf(statusOf(dir)!);
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone([...groups, before.db!], 5_000);
});
