import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/index.js";
import { ManagedProcess } from "../../src/process/managed-process.js";
import type { ProcessConfig } from "../../src/config/types.js";
import { fixtureCommand, GroupJanitor, isRunning, MemoryLogger, processConfig, RecordingTracker } from "./support.js";

function managed(t: Parameters<typeof tempDir>[0], config: ProcessConfig, env?: NodeJS.ProcessEnv) {
  const logger = new MemoryLogger("proc");
  const tracker = new RecordingTracker();
  const projectDir = tempDir(t);
  const proc = new ManagedProcess({ name: "proc", config, projectDir, logger, tracker, env });
  const pids = new Set<number>();
  const janitor = new GroupJanitor(t);
  proc.on("spawn", (pid) => {
    pids.add(pid);
    janitor.add(pid);
  });
  t.after(() => proc.stop(1000));
  return { proc, logger, tracker, projectDir, pids };
}

function runsIn(file: string): number {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").length : 0;
}

test("stdout lines are logged at info and stderr lines at warning, in order and complete", async (t) => {
  const { proc, logger, tracker } = managed(t, processConfig(fixtureCommand("output.mjs")));
  await proc.start();
  assert.equal(proc.state, "running");
  const pid = proc.pid!;
  assert.ok(proc.startedAt! <= Date.now());
  assert.equal(tracker.tracked.get(pid), "process proc");
  await once(proc, "exit");
  assert.deepEqual(
    logger.messages("info").filter((m) => !m.startsWith("exited")),
    ["out one", "out two", "partial line", "no newline at end"],
  );
  assert.deepEqual(logger.messages("warning"), ["err one"]);
  assert.equal(proc.state, "exited");
  assert.equal(proc.pid, undefined);
  assert.deepEqual(tracker.history, [`track ${pid} process proc`, `untrack ${pid}`]);
  assert.equal(isRunning(pid), false);
});

test("blank lines (empty, whitespace or colour codes only) are dropped unless keep_blank_lines is set", async (t) => {
  const dropped = managed(t, processConfig(fixtureCommand("blank-lines.mjs")));
  await dropped.proc.start();
  await once(dropped.proc, "exit");
  const output = (logger: MemoryLogger) => logger.messages("info").filter((m) => !m.startsWith("exited"));
  assert.deepEqual(output(dropped.logger), ["first", "second"]);
  assert.deepEqual(dropped.logger.messages("warning"), ["err"]);

  const kept = managed(t, processConfig(fixtureCommand("blank-lines.mjs"), { keep_blank_lines: true }));
  await kept.proc.start();
  await once(kept.proc, "exit");
  assert.deepEqual(output(kept.logger), ["first", "", "   ", "\t", "\x1b[0m", "second"]);
  assert.deepEqual(kept.logger.messages("warning"), ["err", "", "  "]);

  // Behind a pseudo-terminal too (stdout and stderr arrive merged, in order).
  const tty = managed(t, processConfig(fixtureCommand("blank-lines.mjs"), { tty: true }));
  await tty.proc.start();
  await once(tty.proc, "exit");
  assert.deepEqual(output(tty.logger), ["first", "second", "err"]);
});

test("env, cwd and shell commands are honoured", async (t) => {
  const config = processConfig(`echo "$JAFFLE_TEST_VALUE in $(pwd)" && echo second`, {
    env: { JAFFLE_TEST_VALUE: "from config" },
    cwd: "sub",
  });
  const { proc, logger, projectDir } = managed(t, config, { PATH: process.env.PATH });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(join(projectDir, "sub"));
  await proc.start();
  await once(proc, "exit");
  assert.deepEqual(logger.messages("info").slice(0, 2), [`from config in ${join(projectDir, "sub")}`, "second"]);
});

test("a command that cannot be found rejects start() with one line", async (t) => {
  const { proc } = managed(t, processConfig("no-such-program-jaffle --x"));
  await assert.rejects(proc.start(), (error: Error) => {
    assert.match(error.message, /^cannot run "no-such-program-jaffle": command not found on PATH$/);
    return true;
  });
  assert.equal(proc.state, "failed");
  const missingCwd = managed(t, processConfig(fixtureCommand("output.mjs"), { cwd: "missing" }));
  await assert.rejects(missingCwd.proc.start(), /^Error: working directory .*missing does not exist$/);
});

test("restart = never: a crash is logged and not restarted", async (t) => {
  const runs = join(tempDir(t), "runs");
  const { proc, logger } = managed(t, processConfig(fixtureCommand("exit-with.mjs", runs, "3")));
  await proc.start();
  const [status] = await once(proc, "exit");
  assert.deepEqual(status, { code: 3, signal: null });
  await waitFor(() => proc.state === "failed", "state failed");
  assert.ok(logger.messages("error").includes("exited with exit code 3"));
  assert.equal(proc.restarts, 0);
  assert.equal(runsIn(runs), 1);
});

test("restart = on-failure: a crashing process restarts with backoff, then gives up", async (t) => {
  const runs = join(tempDir(t), "runs");
  const config = processConfig(fixtureCommand("exit-with.mjs", runs, "2"), { restart: "on-failure", max_restarts: 3 });
  const { proc, logger, pids } = managed(t, config);
  const restartEvents: Array<{ attempt: number; delayMs: number }> = [];
  proc.on("restart", ({ attempt, delayMs }) => restartEvents.push({ attempt, delayMs }));
  const gaveUp = once(proc, "gave-up");
  await proc.start();
  await gaveUp;
  assert.equal(proc.state, "failed");
  assert.equal(proc.restarts, 3);
  assert.equal(runsIn(runs), 4);
  assert.equal(pids.size, 4);
  assert.deepEqual(restartEvents, [
    { attempt: 1, delayMs: 100 },
    { attempt: 2, delayMs: 200 },
    { attempt: 3, delayMs: 400 },
  ]);
  assert.deepEqual(logger.messages("warning"), [
    "exited with exit code 2; restarting in 100 ms (restart 1 of at most 3)",
    "exited with exit code 2; restarting in 200 ms (restart 2 of at most 3)",
    "exited with exit code 2; restarting in 400 ms (restart 3 of at most 3)",
  ]);
  assert.deepEqual(logger.messages("error"), [
    'exited with exit code 2; gave up after 3 restarts (restart = "on-failure")',
  ]);
  for (const pid of pids) assert.equal(isRunning(pid), false);
});

test("restart = on-failure does not restart a clean exit; always does", async (t) => {
  const runs = join(tempDir(t), "runs");
  const clean = managed(t, processConfig(fixtureCommand("exit-with.mjs", runs, "0"), { restart: "on-failure" }));
  await clean.proc.start();
  await once(clean.proc, "exit");
  await waitFor(() => clean.proc.state === "exited", "state exited");
  assert.equal(clean.proc.restarts, 0);

  const alwaysRuns = join(tempDir(t), "always");
  const always = managed(
    t,
    processConfig(fixtureCommand("exit-with.mjs", alwaysRuns, "0"), { restart: "always", max_restarts: 2 }),
  );
  const gaveUp = once(always.proc, "gave-up");
  await always.proc.start();
  await gaveUp;
  assert.equal(always.proc.restarts, 2);
  assert.equal(runsIn(alwaysRuns), 3);
});

test("a run that stayed up for restart_window resets the restart budget", async (t) => {
  // restart_window 0: every run counts as healthy, so the budget never runs out.
  const runs = join(tempDir(t), "runs");
  const config = processConfig(fixtureCommand("exit-with.mjs", runs, "1"), {
    restart: "on-failure",
    max_restarts: 1,
    restart_window: 0,
  });
  const { proc } = managed(t, config);
  let gaveUp = false;
  proc.on("gave-up", () => (gaveUp = true));
  await proc.start();
  await waitFor(() => proc.restarts >= 3, "three restarts");
  assert.equal(gaveUp, false);
  await proc.stop();
  assert.equal(proc.state, "stopped");
});

test("stop() ends the whole group, also a SIGTERM-ignoring one, and cancels restarts", async (t) => {
  const pidFile = join(tempDir(t), "pids.json");
  const config = processConfig(fixtureCommand("group.mjs", pidFile, "ignore-term"), { restart: "always" });
  const { proc, logger, tracker } = managed(t, config);
  await proc.start();
  await waitFor(() => existsSync(pidFile), "the pid file");
  const { leader, grandchild } = JSON.parse(readFileSync(pidFile, "utf8")) as { leader: number; grandchild: number };
  assert.equal(leader, proc.pid);
  await proc.stop(300);
  assert.equal(proc.state, "stopped");
  assert.equal(proc.restarts, 0);
  assert.equal(isRunning(leader), false);
  assert.equal(isRunning(grandchild), false);
  assert.ok(logger.messages("warning").includes("did not stop within 300 ms of SIGTERM; killed"));
  assert.equal(tracker.tracked.size, 0);
});

test("when the leader exits, processes it left in its group are ended", async (t) => {
  const pidFile = join(tempDir(t), "grandchild.pid");
  const command = `${process.execPath} -e "setInterval(() => {}, 1000)" & echo $! > '${pidFile}'; exit 0`;
  const { proc } = managed(t, processConfig(command));
  await proc.start();
  await once(proc, "exit");
  const grandchild = Number(readFileSync(pidFile, "utf8"));
  assert.ok(grandchild > 0);
  assert.equal(isRunning(grandchild), false);
});

test("tty = true runs behind a pseudo-terminal: colour kept, terminal drawing removed", async (t) => {
  const { proc, logger } = managed(t, processConfig(fixtureCommand("color-if-tty.mjs"), { tty: true }));
  await proc.start();
  assert.ok(proc.pid! > 0);
  await once(proc, "exit");
  assert.deepEqual(logger.messages("info").slice(0, 4), [
    "\x1b[32mgreen text\x1b[0m",
    "progress 100%",
    "cleared \x1b[1;31mbold red\x1b[0m",
    "columns 200",
  ]);
  assert.equal(proc.state, "exited");

  const plain = managed(t, processConfig(fixtureCommand("color-if-tty.mjs")));
  await plain.proc.start();
  await once(plain.proc, "exit");
  assert.deepEqual(plain.logger.messages("info")[0], "not a tty");
});

test("tty = true: a flood of output arrives complete and in order", async (t) => {
  const count = 20_000;
  const { proc, logger } = managed(t, processConfig(fixtureCommand("flood.mjs", String(count)), { tty: true }));
  await proc.start();
  await once(proc, "exit");
  const lines = logger.messages("info").filter((m) => m.startsWith("line "));
  assert.equal(lines.length, count);
  for (let i = 0; i < count; i++) {
    if (lines[i] !== `line ${i} payload ${i % 7 === 0 ? "noise" : "data"}`) assert.fail(`line ${i}: ${lines[i]}`);
  }
});

test("tty = true: a missing program rejects start(), a crash restarts", async (t) => {
  const missing = managed(t, processConfig("no-such-program-jaffle", { tty: true }));
  await assert.rejects(missing.proc.start(), /command not found on PATH/);
  const runs = join(tempDir(t), "runs");
  const crashing = managed(
    t,
    processConfig(fixtureCommand("exit-with.mjs", runs, "4"), { tty: true, restart: "on-failure", max_restarts: 1 }),
  );
  const gaveUp = once(crashing.proc, "gave-up");
  await crashing.proc.start();
  const [status] = await gaveUp;
  assert.deepEqual(status, { code: 4, signal: null });
  assert.equal(runsIn(runs), 2);
  assert.ok(crashing.logger.messages("info").some((m) => m.startsWith("run by ")));
});

test("a process killed by a signal reports the signal", async (t) => {
  const pidFile = join(tempDir(t), "pids.json");
  const { proc, logger } = managed(t, processConfig(fixtureCommand("group.mjs", pidFile)));
  await proc.start();
  await waitFor(() => existsSync(pidFile), "the pid file");
  process.kill(proc.pid!, "SIGKILL");
  const [status] = await once(proc, "exit");
  assert.deepEqual(status, { code: null, signal: "SIGKILL" });
  await waitFor(() => proc.state === "failed", "state failed");
  assert.ok(logger.messages("error").includes("exited with signal SIGKILL"));
});
