/**
 * JobRunner with a fake child (its `children` seam): outcomes, a failed start, the one
 * queued run that triggers share, and stop, in milliseconds. The real runs (output,
 * signals, a pseudo-terminal) are covered end to end in job-runner.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { JobRunner } from "../../src/process/job-runner.js";
import { noTracking } from "../../src/process/tracker.js";
import { FakeChildren } from "../helpers/fakes.js";
import { nth, recordingLogger } from "../helpers/index.js";
import { jobConfig } from "./support.js";

function runner() {
  const children = new FakeChildren();
  const logger = recordingLogger("job");
  const job = new JobRunner({
    name: "build",
    config: jobConfig("make all", { cwd: "src", env: { TARGET: "x" } }),
    projectDir: "/project",
    logger,
    tracker: noTracking,
    env: { BASE: "1" },
    children,
  });
  return { job, children, logger };
}

test("a run spawns the command in the job's cwd and environment and resolves with its exit", async () => {
  const { job, children, logger } = runner();
  const run = job.run();
  const child = await children.spawned(1);
  assert.equal(job.running, true);
  assert.deepEqual(child.spec.argv, ["make", "all"]);
  assert.equal(child.spec.cwd, "/project/src");
  assert.equal(child.spec.env["BASE"], "1");
  assert.equal(child.spec.env["TARGET"], "x");
  assert.equal(child.spec.label, "job build");
  child.exit({ code: 4, signal: null });
  assert.deepEqual(await run, { exitCode: 4, signal: null, ok: false });
  assert.equal(job.running, false);
  assert.match(nth(logger.at("error"), 0), /^failed with exit code 4 after \d+\.\d\d s$/);
});

test("a job that cannot start resolves not ok and says why", async () => {
  const { job, children, logger } = runner();
  children.failNextSpawn = new Error('cannot run "make": command not found on PATH');
  assert.deepEqual(await job.run(), { exitCode: null, signal: null, ok: false });
  assert.deepEqual(logger.at("error"), ['could not start: cannot run "make": command not found on PATH']);
  assert.equal(job.running, false);
});

test("triggers during a run queue exactly one more run, which they all share", async () => {
  const { job, children } = runner();
  const first = job.run();
  const firstChild = await children.spawned(1);
  const second = job.run();
  const third = job.run();
  assert.equal(second, third, "later triggers share the queued run");
  assert.notEqual(first, second);
  assert.equal(children.children.length, 1, "the queued run waits for the first to end");
  firstChild.exit({ code: 0, signal: null });
  assert.equal((await first).ok, true);
  const secondChild = await children.spawned(2);
  assert.notEqual(job.run(), first, "a trigger during the queued run queues another");
  secondChild.exit({ code: 0, signal: null });
  assert.equal((await second).ok, true);
  (await children.spawned(3)).exit({ code: 0, signal: null });
  await job.stop();
  assert.equal(children.children.length, 3);
});

test("stop ends the running child and cancels the queued run; later runs do not start", async () => {
  const { job, children } = runner();
  const first = job.run();
  const child = await children.spawned(1);
  const queued = job.run();
  await job.stop();
  assert.deepEqual(children.terminated, [{ pgid: child.pid, timeoutMs: 5000 }]);
  assert.deepEqual(await first, { exitCode: null, signal: "SIGTERM", ok: false });
  assert.deepEqual(await queued, { exitCode: null, signal: null, ok: false });
  assert.deepEqual(await job.run(), { exitCode: null, signal: null, ok: false });
  assert.equal(children.children.length, 1);
});
