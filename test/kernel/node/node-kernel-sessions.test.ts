/**
 * The Node kernel across sessions and under interrupt, driven by jupyter_client
 * (drive.py): history_request over this session and earlier ones, and issue 11's item 10,
 * a cell that loops after an `await` is interrupted. (A file of its own: each test starts
 * kernels, and a file must finish within the test timeout on a loaded machine.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "../../helpers/index.js";
import { driveScenario, resultText, type ExecuteRecord } from "./support.js";

interface HistoryReport {
  tail: { history: [number, number, string][] };
  search: { history: [number, number, string][] };
  unique: { history: [number, number, string][] };
  previous: { history: [number, number, [string, string]][] };
  current: { history: [number, number, string][] };
}

test("history_request covers earlier sessions kept in the history file beside the runtime files", async (t) => {
  const runtimeDir = tempDir(t, "jaffle-node-history-");
  await driveScenario(t, "history_first", { runtimeDir });
  const r = await driveScenario<HistoryReport>(t, "history_second", { runtimeDir });
  assert.deepEqual(r.tail.history, [
    [1, 1, "const first = 'session one'"],
    [1, 2, "first.length"],
    [1, 3, "first.length"],
    [2, 1, "'session two'"],
  ]);
  assert.deepEqual(r.search.history, [
    [1, 2, "first.length"],
    [1, 3, "first.length"],
  ]);
  assert.deepEqual(r.unique.history, [[1, 3, "first.length"]]);
  // session -1: the one before this; with output, the stored text/plain results.
  assert.deepEqual(r.previous.history, [
    [1, 1, ["const first = 'session one'", ""]],
    [1, 2, ["first.length", "11"]],
    [1, 3, ["first.length", "11"]],
  ]);
  assert.deepEqual(r.current.history, [[2, 1, "'session two'"]]);
});

interface LoopReport {
  reply: Record<string, unknown>;
  signals: number;
  after: ExecuteRecord;
  again: Record<string, unknown>;
  again_signals: number;
  sync_still: ExecuteRecord;
}

test("a cell that loops after an await is interrupted by one SIGINT, and the kernel goes on (issue 11, item 10)", async (t) => {
  const r = await driveScenario<LoopReport>(t, "loop_after_await");
  for (const [reply, signals] of [
    [r.reply, r.signals],
    [r.again, r.again_signals],
  ] as const) {
    assert.equal(reply.status, "error");
    assert.equal(reply.ename, "KeyboardInterrupt");
    assert.equal(signals, 1);
  }
  assert.equal(resultText(r.after), "'alive after the loop'");
  assert.equal(resultText(r.sync_still), "'fine'");
});
