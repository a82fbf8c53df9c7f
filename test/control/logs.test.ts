/**
 * `jaffle logs`: -n and -f from another process while lines are produced, the bounded
 * ring, the JSON format, --since.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { followLogs, groupsOf, jaffleIn, project, startReady, waitGroupsGone } from "./support.js";
import { nth } from "../helpers/index.js";

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
    assert.equal(numbers[i], nth(numbers, i - 1) + 1, `${what}: line ${numbers[i]} follows ${numbers[i - 1]}`);
  }
}

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
