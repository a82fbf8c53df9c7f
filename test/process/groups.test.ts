import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/index.js";
import { isGroupAlive, runningGroupMembers, terminateGroup } from "../../src/process/groups.js";
import { GroupJanitor, isRunning, processFixtures } from "./support.js";

async function startGroup(t: Parameters<typeof tempDir>[0], mode?: string) {
  const pidFile = join(tempDir(t), "pids.json");
  const args = [join(processFixtures, "group.mjs"), pidFile];
  if (mode) args.push(mode);
  const child = spawn(process.execPath, args, { detached: true, stdio: "ignore" });
  new GroupJanitor(t).add(child.pid!);
  await waitFor(() => existsSync(pidFile), "the group's pid file");
  const pids = JSON.parse(readFileSync(pidFile, "utf8")) as { leader: number; grandchild: number };
  assert.equal(pids.leader, child.pid);
  return pids;
}

test("terminateGroup ends the leader and its grandchild with SIGTERM", async (t) => {
  const { leader, grandchild } = await startGroup(t);
  assert.deepEqual(runningGroupMembers(leader).sort(), [leader, grandchild].sort());
  assert.equal(isGroupAlive(leader), true);
  assert.equal(await terminateGroup(leader, 5000), "exited");
  assert.equal(isRunning(leader), false);
  assert.equal(isRunning(grandchild), false);
  assert.equal(isGroupAlive(leader), false);
});

test("terminateGroup SIGKILLs a group that ignores SIGTERM after the timeout", async (t) => {
  const { leader, grandchild } = await startGroup(t, "ignore-term");
  const started = Date.now();
  assert.equal(await terminateGroup(leader, 500), "killed");
  assert.ok(Date.now() - started >= 500, "waited for the timeout before SIGKILL");
  assert.equal(isRunning(leader), false);
  assert.equal(isRunning(grandchild), false);
});

test("terminateGroup on a group that is already gone resolves at once", async (t) => {
  const { leader, grandchild } = await startGroup(t);
  process.kill(-leader, "SIGKILL");
  await waitFor(() => !isRunning(leader) && !isRunning(grandchild), "the group to die");
  assert.equal(await terminateGroup(leader, 5000), "exited");
  await assert.rejects(terminateGroup(1), /invalid process group id 1/);
});
