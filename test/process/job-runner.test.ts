import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nth, recordingLogger, tempDir, waitFor } from "../helpers/index.js";
import { JobRunner } from "../../src/process/job-runner.js";
import type { JobConfig } from "../../src/config/types.js";
import { fixtureCommand, GroupJanitor, isRunning, jobConfig, RecordingTracker } from "./support.js";

function runner(t: Parameters<typeof tempDir>[0], config: JobConfig) {
  const logger = recordingLogger("job");
  const tracker = new RecordingTracker();
  const job = new JobRunner({ name: "build", config, projectDir: tempDir(t), logger, tracker });
  const seen = new Set<number>();
  const janitor = new GroupJanitor(t);
  const track = tracker.track.bind(tracker);
  tracker.track = (pgid, label) => {
    seen.add(pgid);
    janitor.add(pgid);
    track(pgid, label);
  };
  t.after(() => job.stop());
  return { job, logger, tracker, seen };
}

function journal(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
}

test("a job's output and exit status are logged under its logger", async (t) => {
  const { job, logger, tracker } = runner(t, jobConfig(fixtureCommand("output.mjs")));
  const outcome = await job.run();
  assert.deepEqual(outcome, { exitCode: 0, signal: null, ok: true });
  assert.deepEqual(logger.at("info").slice(0, 4), ["out one", "out two", "partial line", "no newline at end"]);
  assert.deepEqual(logger.at("warning"), ["err one"]);
  assert.match(nth(logger.at("info"), -1), /^finished with exit code 0 in \d+\.\d\d s$/);
  assert.equal(tracker.tracked.size, 0);
});

test("a failing job resolves not ok and logs the failure", async (t) => {
  const runs = join(tempDir(t), "runs");
  const { job, logger } = runner(t, jobConfig(fixtureCommand("exit-with.mjs", runs, "5")));
  assert.deepEqual(await job.run(), { exitCode: 5, signal: null, ok: false });
  assert.match(nth(logger.at("error"), 0), /^failed with exit code 5 after \d+\.\d\d s$/);
  const missing = runner(t, jobConfig("no-such-program-jaffle"));
  assert.deepEqual(await missing.job.run(), { exitCode: null, signal: null, ok: false });
  assert.deepEqual(missing.logger.at("error"), [
    'could not start: cannot run "no-such-program-jaffle": command not found on PATH',
  ]);
});

test("triggers while a job runs queue exactly one more run and share it", async (t) => {
  const file = join(tempDir(t), "journal");
  const { job } = runner(t, jobConfig(fixtureCommand("slow-job.mjs", file, "400")));
  const first = job.run();
  await waitFor(() => journal(file).length === 1, "the first run to start");
  const second = job.run();
  const third = job.run();
  const fourth = job.run();
  assert.equal(second, third, "later triggers share the queued run");
  assert.equal(third, fourth);
  assert.notEqual(first, second);
  const outcomes = await Promise.all([first, second, third, fourth]);
  for (const outcome of outcomes) assert.equal(outcome.ok, true);
  const lines = journal(file);
  assert.equal(lines.length, 4, `two runs, one after the other: ${lines.join(", ")}`);
  const [start1, end1, start2, end2] = lines.map((l) => l.split(" "));
  assert.deepEqual([start1![0], end1![0], start2![0], end2![0]], ["start", "end", "start", "end"]);
  assert.equal(start1![1], end1![1]);
  assert.notEqual(start1![1], start2![1]);
  // Once idle, a trigger starts a new run at once.
  assert.equal((await job.run()).ok, true);
  assert.equal(journal(file).length, 6);
});

test("stop() ends the running job and cancels the queued one", async (t) => {
  const file = join(tempDir(t), "journal");
  const { job, seen, logger } = runner(t, jobConfig(fixtureCommand("slow-job.mjs", file, "60000")));
  const first = job.run();
  await waitFor(() => journal(file).length === 1, "the run to start");
  const queued = job.run();
  await job.stop();
  assert.deepEqual(await first, { exitCode: null, signal: "SIGTERM", ok: false });
  assert.deepEqual(await queued, { exitCode: null, signal: null, ok: false });
  assert.equal(journal(file).length, 1);
  assert.deepEqual(await job.run(), { exitCode: null, signal: null, ok: false });
  for (const pid of seen) assert.equal(isRunning(pid), false);
  assert.match(nth(logger.at("error"), 0), /^failed with signal SIGTERM/);
});

test("a tty job runs behind a pseudo-terminal", async (t) => {
  const { job, logger } = runner(t, jobConfig(fixtureCommand("color-if-tty.mjs"), { tty: true }));
  assert.equal((await job.run()).ok, true);
  assert.equal(logger.at("info")[0], "\x1b[32mgreen text\x1b[0m");
});

test("a job's blank lines are dropped unless keep_blank_lines is set, as a process's are", async (t) => {
  const output = (logger: ReturnType<typeof runner>["logger"]) =>
    logger.at("info").filter((m) => !m.startsWith("finished"));
  const dropped = runner(t, jobConfig(fixtureCommand("blank-lines.mjs")));
  assert.equal((await dropped.job.run()).ok, true);
  assert.deepEqual(output(dropped.logger), ["first", "second"]);
  assert.deepEqual(dropped.logger.at("warning"), ["err"]);

  const kept = runner(t, jobConfig(fixtureCommand("blank-lines.mjs"), { keep_blank_lines: true }));
  assert.equal((await kept.job.run()).ok, true);
  assert.deepEqual(output(kept.logger), ["first", "", "   ", "\t", "\x1b[0m", "second"]);
  assert.deepEqual(kept.logger.at("warning"), ["err", "", "  "]);
});
