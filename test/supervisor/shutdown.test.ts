/**
 * Every way a jaffle ends leaves nothing behind: SIGTERM, SIGINT (stdin not a
 * terminal), `jaffle stop`, a second SIGTERM during shutdown, and SIGKILL of the
 * supervisor itself (the reaper's job). Also: a second start is refused, a stale
 * status file is recovered, `jaffle status` reports what runs.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isJaffleRunning } from "../../src/runtime/pid.js";
import { runJaffle, waitFor } from "../helpers/index.js";
import { groupsOf, NODE_KERNEL, project, startReady, statusOf, waitGroupsGone } from "./support.js";

const CONFIG = `kernel "js" { ${NODE_KERNEL} }
app "greeter" {
  class = "./plain.ts#Plain"
  kernel = "js"
  start = "console.log('greeter started')"
}
process "sleeper" {
  command = "sh -c 'sleep 600 & sleep 600'"
}
`;
const FILES = { "plain.ts": "export class Plain { constructor(_context: unknown) {} }\n" };

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} shuts everything down, removes the runtime files and exits 0`, { timeout: 180_000 }, async (t) => {
    const dir = project(t, CONFIG, FILES);
    const { jaffle, status } = await startReady(t, dir);
    const groups = groupsOf(status);
    assert.equal(groups.length, 2, "a kernel and a process");
    assert.equal(status.pid, jaffle.child.pid);
    jaffle.child.kill(signal);
    const exit = await jaffle.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, jaffle.stdout());
    await waitGroupsGone(groups, 5_000);
    assert.match(jaffle.stdout(), new RegExp(`jaffle I ${signal}: shutting down`));
    assert.match(jaffle.stdout(), /jaffle I shut down in \d+\.\d\d s\n$/, "the last line is written");
    assert.equal(existsSync(join(dir, ".jaffle")), false);
  });
}

test("jaffle status and jaffle stop: report, stop, then say nothing runs", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG, FILES);
  const { jaffle, status } = await startReady(t, dir);

  const human = await runJaffle(["status"], { cwd: dir });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^jaffle is running: pid ${status.pid}, up \\d+ s`));
  assert.match(
    human.stdout,
    new RegExp(`^  js +running +${status.kernels.js!.pid} +javascript +0 +${dir}/\\.jaffle/kernel-js\\.json$`, "m"),
  );
  assert.match(human.stdout, /^ {2}greeter +js +\.\/plain\.ts#Plain +running$/m);
  assert.match(
    human.stdout,
    new RegExp(`^  sleeper +${status.processes.sleeper!.pid} +running +0 +\\d+ (s|min \\d+ s)$`, "m"),
  );
  const json = await runJaffle(["status", "--json"], { cwd: dir });
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), statusOf(dir));

  const stop = await runJaffle(["stop"], { cwd: dir });
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`^stopped jaffle \\(pid ${status.pid}\\) in \\d+\\.\\d s\\n$`));
  assert.deepEqual(await jaffle.exited, { code: 0, signal: null });
  await waitGroupsGone(groupsOf(status), 5_000);

  const again = await runJaffle(["stop"], { cwd: dir });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^no jaffle is running here/);
  const none = await runJaffle(["status"], { cwd: dir });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no jaffle is running here: nothing in /);
});

test("a second start in the same directory is refused while the first runs", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG, FILES);
  const { jaffle, status } = await startReady(t, dir);
  const second = await runJaffle(["start", "--exit-when-ready"], { cwd: dir });
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`already running in this directory \\(pid ${status.pid}`));
  assert.deepEqual(statusOf(dir), status, "the first run's files are untouched");
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
});

test(
  "a SIGKILLed supervisor leaves no child; the stale files are recovered by the next start",
  { timeout: 240_000 },
  async (t) => {
    const dir = project(t, CONFIG, FILES);
    const first = await startReady(t, dir);
    const groups = groupsOf(first.status);
    first.jaffle.child.kill("SIGKILL");
    await first.jaffle.exited;
    await waitGroupsGone(groups, 20_000);

    const stale = await runJaffle(["status"], { cwd: dir });
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, new RegExp(`stale \\(pid ${first.status.pid} is gone\\)`));

    const second = await startReady(t, dir);
    assert.match(
      second.jaffle.stdout(),
      new RegExp(
        `jaffle W removed the stale runtime files of a jaffle that is no longer running \\(pid ${first.status.pid}\\)`,
      ),
    );
    assert.equal(second.status.pid, second.jaffle.child.pid);
    second.jaffle.child.kill("SIGTERM");
    assert.equal((await second.jaffle.exited).code, 0);
    await waitGroupsGone(groupsOf(second.status), 5_000);
  },
);

test("jaffle stop cleans up after a supervisor that died", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG, FILES);
  const { jaffle, status } = await startReady(t, dir);
  jaffle.child.kill("SIGKILL");
  await jaffle.exited;
  await waitGroupsGone(groupsOf(status), 20_000);
  const stop = await runJaffle(["stop"], { cwd: dir });
  assert.equal(stop.code, 0);
  assert.equal(
    stop.stdout,
    `jaffle (pid ${status.pid}) is not running; removed its stale runtime files from ${dir}/.jaffle\n`,
  );
  assert.equal(existsSync(join(dir, ".jaffle")), false);
});

/** A Node kernel and a process that ignores SIGTERM (it needs SIGKILL to go). */
const STUBBORN_PROCESS = `kernel "js" { ${NODE_KERNEL} }
process "stubborn" {
  command = "sh -c 'trap \\"\\" TERM; echo up; sleep 600'"
  ready {
    log_regex = "^up$"
  }
}
`;

test("a second SIGTERM during shutdown kills every group at once", { timeout: 180_000 }, async (t) => {
  const dir = project(t, STUBBORN_PROCESS);
  const { jaffle, status } = await startReady(t, dir);
  jaffle.child.kill("SIGTERM");
  await jaffle.waitForOutput("jaffle I shutting down");
  const forcedAt = Date.now();
  jaffle.child.kill("SIGTERM");
  const exit = await jaffle.exited;
  assert.equal(exit.code, 1, jaffle.stdout());
  assert.ok(Date.now() - forcedAt < 4_000, "did not wait for the 5 s SIGTERM grace");
  assert.match(jaffle.stdout(), /jaffle W SIGTERM during shutdown: killed .*process stubborn/);
  await waitGroupsGone(groupsOf(status), 5_000);
  assert.equal(isJaffleRunning(status.pid), false);
  await waitFor(() => !existsSync(join(dir, ".jaffle", "status.json")), "status file removed");
});

test(
  "jaffle stop kills a supervisor that does not finish its shutdown in time; the reaper ends the rest",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, STUBBORN_PROCESS);
    const { jaffle, status } = await startReady(t, dir);
    const stop = await runJaffle(["stop", "--timeout", "1"], { cwd: dir });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(
      stop.stdout,
      `jaffle (pid ${status.pid}) did not shut down within 1 s; killed it (its kernels and processes are gone too)\n`,
    );
    assert.equal((await jaffle.exited).signal, "SIGKILL");
    await waitGroupsGone(groupsOf(status), 5_000);
    assert.equal(existsSync(join(dir, ".jaffle")), false);
  },
);
