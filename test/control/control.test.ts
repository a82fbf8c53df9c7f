/**
 * The control channel of a running jaffle, end to end: the socket and who may use it,
 * `jaffle restart` of a process, `jaffle logs` (-n and -f, from another process while
 * lines are produced), and `stop`/`status` without the socket.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { waitFor } from "../helpers/index.js";
import { followLogs, groupsOf, jaffleIn, pidsOf, project, startReady, statusOf, waitGroupsGone } from "./support.js";

const TICKER = `process "ticker" {
  command = "sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo tick $i; sleep 0.005; done; exec sleep 600'"
}
process "quiet" {
  command = "sh -c 'echo quiet up; exec sleep 600'"
}
`;

/** The tick numbers in some output, in order. */
function ticks(text: string): number[] {
  return [...text.matchAll(/ticker I tick (\d+)$/gm)].map((match) => Number(match[1]));
}

function assertConsecutive(numbers: number[], what: string): void {
  assert.ok(numbers.length > 0, `${what}: no lines`);
  for (let i = 1; i < numbers.length; i++) {
    assert.equal(numbers[i], numbers[i - 1]! + 1, `${what}: line ${numbers[i]} follows ${numbers[i - 1]}`);
  }
}

test(
  "the control socket is 0600 in a 0700 directory, and refuses another uid and a wrong token",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, `process "p" { command = "sleep 600" }\n`);
    const { jaffle, status } = await startReady(t, dir);
    const runtime = join(dir, ".jaffle");
    assert.equal(statSync(runtime).mode & 0o777, 0o700);
    assert.equal(statSync(join(runtime, "control.sock")).mode & 0o777, 0o600);
    assert.ok(statSync(join(runtime, "control.sock")).isSocket());
    assert.equal(statSync(join(runtime, "control.token")).mode & 0o777, 0o600);

    // A request with a wrong token (or an unknown version) gets a one-line refusal.
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(join(runtime, "control.sock"));
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
        if (text.split("\n").length > 2) socket.end();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.write(JSON.stringify({ jaffle: 1, id: 7, token: "0".repeat(64), command: "stop" }) + "\n");
      socket.write(JSON.stringify({ jaffle: 99, id: 8, token: "x", command: "status" }) + "\n");
    });
    const [wrongToken, wrongVersion] = answers
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(wrongToken, {
      jaffle: 1,
      id: 7,
      ok: false,
      error: "refused: wrong token (only the user running jaffle may control it)",
    });
    assert.match(String(wrongVersion!.error), /protocol version 99 is not supported \(this jaffle speaks 1\)/);
    assert.equal(statusOf(dir)?.pid, status.pid, "the refused stop did not stop jaffle");

    if (process.getuid?.() !== 0) {
      t.diagnostic("skipped the other-uid request: only root can start a process as another user here");
    } else {
      // A process of user nobody: the kernel refuses its connect() and its read of the token.
      const probe = `const net = require("node:net"); const fs = require("node:fs");
let token = "unreadable"; try { fs.readFileSync(${JSON.stringify(join(runtime, "control.token"))}); token = "read"; } catch (e) { token = e.code; }
const s = net.connect(${JSON.stringify(join(runtime, "control.sock"))});
s.on("connect", () => { console.log("connected " + token); s.destroy(); });
s.on("error", (e) => console.log(e.code + " " + token));`;
      const other = spawnSync(process.execPath, ["-e", probe], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(other.stdout.trim(), "EACCES EACCES", other.stderr);
    }
    jaffle.child.kill("SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone(groupsOf(status), 5_000);
  },
);

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

test(
  "jaffle logs -n and -f from another process: no line lost or repeated between ring and live tail",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, TICKER);
    const { jaffle, status } = await startReady(t, dir);
    await jaffle.waitForOutput(/ticker I tick 20\n/);

    const last = await jaffleIn(dir, ["logs", "ticker", "-n", "5", "--no-color"]);
    assert.equal(last.code, 0, last.stderr);
    assert.equal(ticks(last.stdout).length, 5, last.stdout);
    assertConsecutive(ticks(last.stdout), "logs -n 5");
    assert.doesNotMatch(last.stdout, /quiet|jaffle I/, "only the ticker's lines");

    // -f while the ticker writes: the ring's part and the live part join without a seam.
    const follow = followLogs(t, dir, ["ticker", "-f", "-n", "50", "--no-color"]);
    await follow.waitForOutput(/ticker I tick \d+\n(.*\n){300}/);
    follow.child.kill("SIGINT");
    await follow.exited;
    const followed = ticks(follow.stdout());
    assert.ok(followed.length > 300, `${followed.length} lines`);
    assertConsecutive(followed, "logs -f");
    // What it printed is what jaffle start printed, line for line.
    const printed = jaffle
      .stdout()
      .split("\n")
      .filter((line) => / ticker I tick /.test(line));
    const firstAt = printed.findIndex((line) => line.endsWith(` tick ${followed[0]}`));
    const shown = follow
      .stdout()
      .split("\n")
      .filter((line) => / ticker I tick /.test(line));
    assert.deepEqual(shown, printed.slice(firstAt, firstAt + shown.length));

    const json = await jaffleIn(dir, ["logs", "quiet", "--log-format", "json"]);
    const record = JSON.parse(json.stdout.trim()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), ["level", "time", "pid", "hostname", "name", "msg"]);
    assert.equal(record.msg, "quiet up");
    assert.equal(record.pid, status.pid);
    assert.equal(record.level, 30);

    const since = await jaffleIn(dir, ["logs", "quiet", "--since", "1h", "--no-color"]);
    assert.match(since.stdout, /quiet I quiet up/);
    const bad = await jaffleIn(dir, ["logs", "--since", "yesterday-ish"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^jaffle: --since yesterday-ish: expected a duration/);
    jaffle.child.kill("SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone(groupsOf(status), 5_000);
  },
);

test("jaffle logs keeps a bounded ring (--log-history)", { timeout: 180_000 }, async (t) => {
  const dir = project(t, TICKER);
  const { jaffle, status } = await startReady(t, dir, ["--log-history", "30"]);
  await jaffle.waitForOutput(/ticker I tick 100\n/);
  const all = await jaffleIn(dir, ["logs", "--no-color"]);
  const lines = all.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 30, all.stdout);
  assertConsecutive(ticks(all.stdout), "the ring");
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
});

test("stop and status work from the status file when the socket is gone", { timeout: 180_000 }, async (t) => {
  const dir = project(t, `process "p" { command = "sleep 600" }\n`);
  const { jaffle, status } = await startReady(t, dir);
  const live = await jaffleIn(dir, ["status", "--json"]);
  assert.equal((JSON.parse(live.stdout) as { pid: number }).pid, status.pid);
  rmSync(join(dir, ".jaffle", "control.sock"));
  const fromFile = await jaffleIn(dir, ["status"]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^jaffle is running: pid \d+/);
  const restart = await jaffleIn(dir, ["restart", "p"]);
  assert.equal(restart.code, 1);
  assert.match(restart.stderr, /^jaffle: no jaffle is running here: no jaffle answers on .*control\.sock: ENOENT\n$/);
  const stopped = await jaffleIn(dir, ["stop"]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^stopped jaffle \(pid \d+\)/);
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
});
