/**
 * ManagedProcess with a fake child (its `children` seam): states, a failed start,
 * restart policy, backoff, giving up and stop, in milliseconds. The real process groups
 * are covered end to end in managed-process.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { ManagedProcess } from "../../src/process/managed-process.js";
import { DelaySchedule } from "../../src/process/restart-timing.js";
import type { ProcessConfig } from "../../src/config/types.js";
import { FakeChildren } from "../helpers/fakes.js";
import { nth, recordingLogger } from "../helpers/index.js";
import { processConfig } from "./support.js";
import { noTracking } from "../../src/process/tracker.js";

// 1 ms doubling to 4 ms by default: the schedule is the real one, only shorter.
function managed(overrides: Partial<ProcessConfig> = {}, restartDelays = new DelaySchedule(1, 4)) {
  const children = new FakeChildren();
  const clock = { now: 1_000_000 };
  const logger = recordingLogger("proc");
  const proc = new ManagedProcess({
    name: "proc",
    config: processConfig("server --port 8080", overrides),
    projectDir: "/project",
    logger,
    tracker: noTracking,
    env: { BASE: "1" },
    children,
    restartDelays,
    now: () => clock.now,
  });
  return { proc, children, logger, clock };
}

test("start spawns the command once, in the block's cwd and environment, and is running", async () => {
  const { proc, children } = managed({ cwd: "web", env: { PORT: "8080" } });
  assert.equal(proc.state, "stopped");
  const spawned = once(proc, "spawn");
  await proc.start();
  const child = await children.spawned(1);
  assert.deepEqual(await spawned, [child.pid]);
  assert.equal(proc.state, "running");
  assert.equal(proc.pid, child.pid);
  assert.deepEqual(child.spec.argv, ["server", "--port", "8080"]);
  assert.equal(child.spec.cwd, "/project/web");
  assert.equal(child.spec.env["BASE"], "1");
  assert.equal(child.spec.env["PORT"], "8080");
  assert.equal(child.spec.label, "process proc");
  await assert.rejects(proc.start(), /process "proc" is already started/);
  assert.equal(children.children.length, 1);
});

test("a start that fails rejects and leaves the process failed, not running", async () => {
  const { proc, children } = managed();
  children.failNextSpawn = new Error("server: command not found");
  await assert.rejects(proc.start(), /server: command not found/);
  assert.equal(proc.state, "failed");
  assert.equal(proc.pid, undefined);
  assert.equal(proc.startedAt, undefined);
});

test('restart = "never": an exit is final, failed when non-zero', async () => {
  const { proc, children, logger } = managed({ restart: "never" });
  await proc.start();
  const exited = once(proc, "exit");
  (await children.spawned(1)).exit({ code: 3, signal: null });
  await exited;
  assert.equal(proc.state, "failed");
  assert.deepEqual(logger.at("error"), ["exited with exit code 3"]);
  assert.equal(children.children.length, 1);
});

test('restart = "on-failure": a non-zero exit restarts, a clean exit does not', async () => {
  const { proc, children, logger } = managed({ restart: "on-failure" });
  await proc.start();
  const restarted = once(proc, "restart");
  const respawned = once(proc, "spawn");
  (await children.spawned(1)).exit({ code: 1, signal: null });
  const [info] = (await restarted) as [{ attempt: number; delayMs: number }];
  assert.deepEqual([info.attempt, info.delayMs], [1, 1]);
  await respawned;
  const second = await children.spawned(2);
  assert.equal(proc.state, "running");
  assert.equal(proc.restarts, 1);
  assert.match(
    nth(logger.at("warning"), 0),
    /^exited with exit code 1; restarting in 1 ms \(restart 1 of at most 5\)$/,
  );

  const exited = once(proc, "exit");
  second.exit({ code: 0, signal: null });
  await exited;
  assert.equal(proc.state, "exited");
  assert.equal(children.children.length, 2);
});

test("backoff doubles up to its cap, then the process gives up after max_restarts in a row", async () => {
  const { proc, children, logger } = managed({ restart: "always", max_restarts: 4 });
  const delays: number[] = [];
  proc.on("restart", (info) => delays.push(info.delayMs));
  const gaveUp = once(proc, "gave-up");
  await proc.start();
  // Five runs: the first and four restarts, each exiting at once.
  for (let run = 1; run <= 5; run++) (await children.spawned(run)).exit({ code: 2, signal: null });
  await gaveUp;
  assert.deepEqual(delays, [1, 2, 4, 4]);
  assert.equal(proc.state, "failed");
  assert.equal(proc.restarts, 4);
  assert.equal(children.children.length, 5);
  assert.match(nth(logger.at("error"), -1), /gave up after 4 restarts \(restart = "always"\)$/);
});

test("a run that stayed up for restart_window starts the count and the delays over", async () => {
  const { proc, children, clock } = managed({ restart: "always", max_restarts: 2, restart_window: 10 });
  const attempts: [number, number][] = [];
  proc.on("restart", (info) => attempts.push([info.attempt, info.delayMs]));
  await proc.start();
  (await children.spawned(1)).exit({ code: 1, signal: null });
  (await children.spawned(2)).exit({ code: 1, signal: null });
  const third = await children.spawned(3);
  // The third run stays up for the window: it proved healthy, so two more restarts are allowed.
  clock.now += 10_000;
  third.exit({ code: 1, signal: null });
  (await children.spawned(4)).exit({ code: 1, signal: null });
  const gaveUp = once(proc, "gave-up");
  (await children.spawned(5)).exit({ code: 1, signal: null });
  await gaveUp;
  assert.deepEqual(attempts, [
    [1, 1],
    [2, 2],
    [1, 1],
    [2, 2],
  ]);
});

test("a restart whose spawn fails gives up with that reason", async () => {
  const { proc, children, logger } = managed({ restart: "always" });
  await proc.start();
  children.failNextSpawn = new Error("server: command not found");
  const gaveUp = once(proc, "gave-up");
  (await children.spawned(1)).exit({ code: 1, signal: null });
  await gaveUp;
  assert.equal(proc.state, "failed");
  assert.match(nth(logger.at("error"), -1), /^restart failed: server: command not found$/);
});

test("stop ends the group with the block's stop_timeout, and nothing restarts after it", async () => {
  const { proc, children } = managed({ restart: "always", stop_timeout: 7 });
  let restarts = 0;
  proc.on("restart", () => restarts++);
  await proc.start();
  const child = await children.spawned(1);
  await proc.stop();
  assert.deepEqual(children.terminated, [{ pgid: child.pid, timeoutMs: 7000 }]);
  assert.equal(child.running, false);
  assert.equal(proc.state, "stopped");
  assert.equal(proc.pid, undefined);
  assert.equal(restarts, 0);
  assert.equal(children.children.length, 1);
});

test("stop during the backoff cancels the pending restart", async () => {
  // A long delay: stop() comes while the restart is still pending.
  const { proc, children } = managed({ restart: "always" }, new DelaySchedule(60_000, 60_000));
  await proc.start();
  const exited = once(proc, "exit");
  (await children.spawned(1)).exit({ code: 1, signal: null });
  await exited;
  assert.equal(proc.state, "backoff");
  await proc.stop();
  assert.equal(proc.state, "stopped");
  assert.equal(children.children.length, 1);
});

test("a child that ignores SIGTERM is killed, and stop says so", async () => {
  const { proc, children, logger } = managed({ stop_timeout: 2 });
  await proc.start();
  children.ignoreTerm = true;
  await proc.stop();
  assert.equal(proc.state, "stopped");
  assert.deepEqual(logger.at("warning"), ["did not stop within 2000 ms of SIGTERM; killed"]);
});
