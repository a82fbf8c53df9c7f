import assert from "node:assert/strict";
import { test } from "node:test";
import { EventGate } from "../../../src/apps/watchdog/gate.js";
import { waitFor } from "../../helpers/index.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("without throttle or debounce every event is delivered at once", () => {
  const got: number[] = [];
  const gate = new EventGate<number>({ throttleMs: 0, debounceMs: 0 }, (e) => got.push(e));
  gate.push(1);
  gate.push(2);
  assert.deepEqual(got, [1, 2]);
});

test("debounce delivers the last event of a burst, once, after the quiet period", async () => {
  const got: [number, number][] = [];
  const gate = new EventGate<number>({ throttleMs: 0, debounceMs: 150 }, (e, burst) => got.push([e, burst]));
  for (let i = 1; i <= 5; i++) {
    gate.push(i);
    await pause(20);
  }
  assert.deepEqual(got, [], "nothing before the burst has been quiet for the debounce time");
  await waitFor(() => got.length === 1, "the debounced event");
  assert.deepEqual(got, [[5, 5]]);
  gate.push(6);
  await waitFor(() => got.length === 2, "the next burst");
  assert.deepEqual(got[1], [6, 1]);
  gate.close();
});

test("throttle ignores events for a while after one was handled", async () => {
  let clock = 0;
  const got: number[] = [];
  const gate = new EventGate<number>(
    { throttleMs: 500, debounceMs: 0 },
    (e) => got.push(e),
    () => clock,
  );
  gate.push(1);
  clock = 100;
  gate.push(2);
  clock = 499;
  gate.push(3);
  clock = 500;
  gate.push(4);
  assert.deepEqual(got, [1, 4]);
});

test("throttle with real time: a second event right after the first is dropped", async () => {
  const got: number[] = [];
  const gate = new EventGate<number>({ throttleMs: 300, debounceMs: 0 }, (e) => got.push(e));
  const started = performance.now();
  gate.push(1);
  gate.push(2);
  // On a loaded machine the second push may come late; only assert when it came in time.
  if (performance.now() - started < 300) assert.deepEqual(got, [1]);
  await pause(350);
  gate.push(3);
  assert.deepEqual(got.at(-1), 3);
});

test("close drops a pending debounced event", async () => {
  const got: number[] = [];
  const gate = new EventGate<number>({ throttleMs: 0, debounceMs: 50 }, (e) => got.push(e));
  gate.push(1);
  gate.close();
  await pause(120);
  assert.deepEqual(got, []);
});
