/**
 * KernelSlot with a fake kernel (its `launch` seam): readiness, restarts after a death,
 * the restart budget of N a minute, a wedged kernel, relaunch and shutdown, in
 * milliseconds. Real kernels dying and coming back are covered end to end in
 * restart.test.ts and kill-during-start.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { KernelSlot } from "../../src/supervisor/kernel-slot.js";
import { KernelGoneError } from "../../src/supervisor/kernel-host.js";
import { DelaySchedule, RestartBudget } from "../../src/process/restart-timing.js";
import { noTracking } from "../../src/process/tracker.js";
import { FakeKernels } from "../helpers/fakes.js";
import { nth, recordingLogger } from "../helpers/index.js";

function slot(budget = new RestartBudget(2, 60_000)) {
  const kernels = new FakeKernels();
  const logger = recordingLogger("k");
  const kernelSlot = new KernelSlot(
    "k",
    { pass_env: [], env: {} },
    {
      runtimeDir: "/runtime",
      projectDir: "/project",
      logger,
      tracker: noTracking,
      startupTimeoutMs: 1000,
      launch: kernels.launch,
      budget,
      restartDelays: new DelaySchedule(1, 4),
    },
  );
  return { slot: kernelSlot, kernels, logger };
}

test("start launches the kernel and attaches it to the host; calls go to it", async () => {
  const { slot: k, kernels } = slot();
  assert.equal(k.host.current, undefined);
  const changed = once(k, "changed");
  await k.start();
  await changed;
  const kernel = nth(kernels.kernels, 0);
  assert.equal(k.kernel, kernel);
  assert.equal(k.host.current, kernel);
  assert.equal(k.restarts, 0);
});

test("a launch that fails rejects, and the slot has no kernel: not ready", async () => {
  const { slot: k, kernels } = slot();
  kernels.failNext = 1;
  await assert.rejects(k.start(), /the fake kernel did not start/);
  assert.equal(k.kernel, undefined);
  assert.equal(k.host.current, undefined);
});

test("a kernel that dies is started again and attached in its place", async () => {
  const { slot: k, kernels, logger } = slot();
  await k.start();
  const generation = k.host.generation;
  const restarted = once(k, "restarted");
  nth(kernels.kernels, 0).die({ code: 1, signal: null });
  assert.equal(k.kernel, undefined, "between death and restart calls wait");
  await restarted;
  const second = nth(kernels.kernels, 1);
  assert.equal(k.kernel, second);
  assert.equal(k.host.current, second);
  assert.ok(k.host.generation > generation, "apps learn that the kernel changed");
  assert.equal(k.restarts, 1);
  assert.match(
    nth(logger.at("warning"), 0),
    /^kernel died \(exit code 1\); starting it again \(restart 1, at most 2 within 60 s\)$/,
  );
});

test("past its budget of restarts a minute the slot gives up and closes the host", async () => {
  const { slot: k, kernels } = slot(new RestartBudget(2, 60_000));
  await k.start();
  for (let death = 1; death <= 2; death++) {
    const restarted = once(k, "restarted");
    nth(kernels.kernels, death - 1).die();
    await restarted;
  }
  const gaveUp = once(k, "gave-up");
  nth(kernels.kernels, 2).die();
  const [reason] = (await gaveUp) as [string];
  assert.equal(reason, "died (exit code 1) 3 times within 60 s; not restarting it");
  assert.equal(kernels.kernels.length, 3);
  assert.equal(k.restarts, 2);
  await assert.rejects(k.host.execute("1"), KernelGoneError);
});

test("restarts spread over more than the window stay within the budget", async () => {
  let now = 0;
  const { slot: k, kernels } = slot(new RestartBudget(1, 60_000, () => now));
  await k.start();
  for (let death = 1; death <= 3; death++) {
    now += 61_000;
    const restarted = once(k, "restarted");
    nth(kernels.kernels, death - 1).die();
    await restarted;
  }
  assert.equal(k.restarts, 3);
  assert.equal(kernels.kernels.length, 4);
});

test("a restart that cannot launch is tried again within the budget, then given up", async () => {
  const { slot: k, kernels, logger } = slot(new RestartBudget(2, 60_000));
  await k.start();
  kernels.failNext = 2;
  const gaveUp = once(k, "gave-up");
  nth(kernels.kernels, 0).die();
  const [reason] = (await gaveUp) as [string];
  assert.equal(reason, "could not be restarted: the fake kernel did not start");
  assert.equal(kernels.attempts, 3, "the first launch, then one per restart the budget allowed");
  assert.deepEqual(logger.at("error"), [
    "restart failed: the fake kernel did not start",
    "restart failed: the fake kernel did not start",
  ]);
});

test("a kernel that stops answering while its process lives is killed, then restarted", async () => {
  const { slot: k, kernels } = slot();
  await k.start();
  const first = nth(kernels.kernels, 0);
  const restarted = once(k, "restarted");
  first.emit("dead", "heartbeat lost");
  await restarted;
  assert.equal(first.killed, true);
  assert.equal(k.kernel, nth(kernels.kernels, 1));
});

test("relaunch shuts the kernel down and starts a new one without using the budget", async () => {
  const { slot: k, kernels } = slot();
  await k.start();
  const first = nth(kernels.kernels, 0);
  await k.relaunch(1000);
  assert.equal(first.shutdowns, 1);
  assert.equal(k.kernel, nth(kernels.kernels, 1));
  assert.equal(k.restarts, 0);
});

test("after shutdown a death restarts nothing and the host refuses calls", async () => {
  const { slot: k, kernels } = slot();
  await k.start();
  const kernel = nth(kernels.kernels, 0);
  await k.shutdown(1000);
  assert.equal(kernel.shutdowns, 1);
  kernel.die();
  assert.equal(kernels.attempts, 1);
  assert.equal(k.kernel, undefined);
  await assert.rejects(k.host.execute("1"), KernelGoneError);
  await assert.rejects(k.start(), /shutdown began during start/);
  assert.equal(nth(kernels.kernels, 1).shutdowns, 1, "a kernel launched after shutdown began is shut down at once");
});
