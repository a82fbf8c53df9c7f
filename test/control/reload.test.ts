/**
 * Reload: an edit of jaffle.hcl is applied to the running jaffle (added blocks start,
 * removed ones stop, changed ones restart, unchanged ones keep their pids, a logger-only
 * change restarts nothing); an invalid edit is logged at file:line:col and changes nothing.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isGroupAlive } from "../../src/process/groups.js";
import { waitFor } from "../helpers/index.js";
import { groupsOf, jaffleIn, pidsOf, project, startReady, statusOf, waitGroupsGone } from "./support.js";

const BEFORE = `kernel "js" {}
process "keep" { command = "sleep 600" }
process "change" { command = "sh -c 'echo change v1; exec sleep 600'" }
process "drop" { command = "sleep 600" }
process "relabel" {
  command = "sh -c 'while :; do echo relabel says hi; sleep 0.2; done'"
}
`;

const AFTER = `kernel "js" {}
process "keep" { command = "sleep 600" }
process "change" { command = "sh -c 'echo change v2; exec sleep 600'" }
process "relabel" {
  command = "sh -c 'while :; do echo relabel says hi; sleep 0.2; done'"
  logger { name = "renamed" }
}
process "added" {
  command = "sh -c 'echo added runs; exec sleep 600'"
  depends_on = ["keep"]
}
`;

test(
  "an edited jaffle.hcl is applied: added, removed, changed, logger-only, unchanged",
  { timeout: 240_000 },
  async (t) => {
    const dir = project(t, BEFORE);
    const { jaffle, status } = await startReady(t, dir);
    const before = pidsOf(dir);

    writeFileSync(join(dir, "jaffle.hcl"), AFTER);
    await jaffle.waitForOutput(
      "jaffle I reload: added process added; removed process drop; restarted process change; new logger rules for process relabel; 2 unchanged\n",
    );
    await jaffle.waitForOutput(/added I added runs\n/);
    await jaffle.waitForOutput(/renamed I relabel says hi\n/);
    const after = await waitFor(() => {
      const pids = pidsOf(dir);
      return pids.added && pids.change !== before.change && pids.change ? pids : undefined;
    }, "the reload in the status file");
    assert.equal(after.keep, before.keep);
    assert.equal(after.relabel, before.relabel, "a logger-only change restarts nothing");
    assert.equal(after["kernel js"], before["kernel js"]);
    assert.equal(after.drop, undefined);
    assert.ok(!isGroupAlive(before.drop!), "the removed process is gone");
    assert.ok(!isGroupAlive(before.change!), "the changed process's old run is gone");
    assert.match(jaffle.stdout(), /change I change v2\n/);

    // An invalid edit: the errors at file:line:col, one line saying so, and nothing changes.
    writeFileSync(join(dir, "jaffle.hcl"), AFTER + `process "bad" {\n  commmand = "x"\n}\n`);
    await jaffle.waitForOutput("jaffle E reload: the configuration has 2 errors; the run goes on unchanged\n");
    assert.match(jaffle.stdout(), /jaffle E jaffle\.hcl:13:3: unknown option "commmand" in process "bad"/);
    assert.match(jaffle.stdout(), /jaffle E jaffle\.hcl:12:1: process "bad": missing required option "command"/);
    assert.deepEqual(pidsOf(dir), after);
    const manual = await jaffleIn(dir, ["reload"]);
    assert.equal(manual.code, 1);
    assert.equal(manual.stderr, "jaffle: reload: the configuration has 2 errors; the run goes on unchanged\n");

    // jaffle reload with nothing changed touches nothing.
    writeFileSync(join(dir, "jaffle.hcl"), AFTER);
    const again = await jaffleIn(dir, ["reload"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^reload: nothing changed \(5 blocks untouched\)\n$/);
    assert.deepEqual(pidsOf(dir), after);

    const groups = groupsOf(statusOf(dir)!);
    jaffle.child.kill("SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone([...groups, ...groupsOf(status)], 5_000);
    assert.equal(readFileSync(join(dir, "jaffle.hcl"), "utf8"), AFTER);
  },
);
