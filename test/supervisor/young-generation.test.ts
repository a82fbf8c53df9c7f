import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { YoungGeneration } from "../../src/supervisor/young-generation.js";

const SMALL = "--semi-space-growth-factor=1";
const DEFAULT = "--semi-space-growth-factor=2";

test("the young generation may grow during a burst of minor collections, and is held again after a quiet second", async () => {
  const flags: string[] = [];
  let flagSet: (() => void) | undefined;
  let collected!: (at: number) => void;
  const generation = new YoungGeneration(
    (f) => {
      flags.push(f);
      flagSet?.();
    },
    (onMinorCollection) => {
      collected = onMinorCollection;
      return () => undefined;
    },
  );
  try {
    generation.keepSmall();
    assert.deepEqual(flags, [SMALL]);
    // A trickle: 15 collections a window (250 ms), window after window, never a burst.
    for (let window = 0; window < 4; window++) for (let i = 0; i < 15; i++) collected(window * 300 + i);
    assert.deepEqual(flags, [SMALL]);
    // A burst: the 16th collection within one window lets it grow.
    for (let i = 0; i < 16; i++) collected(2_000 + i);
    assert.deepEqual(flags, [SMALL, DEFAULT]);
    collected(2_100);
    assert.deepEqual(flags, [SMALL, DEFAULT], "set once per burst");
    // No more collections: held again once the quiet timer fires.
    // (The timer is unref'd, as a supervisor must not be kept alive by it: the test holds the loop.)
    const holdLoop = setInterval(() => undefined, 60_000);
    await new Promise<void>((resolve) => (flagSet = resolve)).finally(() => clearInterval(holdLoop));
    assert.deepEqual(flags, [SMALL, DEFAULT, SMALL]);
  } finally {
    generation.dispose();
  }
  assert.equal(flags.at(-1), DEFAULT, "disposed: V8's default again");
});

/**
 * In real Node processes with Node's own gc entries. A trickle of objects that survive
 * (as a start-up's modules do: a small batch per timer tick) grows V8's default young
 * generation to its maximum but leaves it small after keepYoungGenerationSmall; then an
 * allocation burst lets it grow.
 */
function youngGenerationSizes(keepSmall: boolean): { initial: number; afterTrickle: number; afterBurst: number } {
  const moduleUrl = new URL("../../src/supervisor/young-generation.js", import.meta.url).href;
  const script = `
    const { keepYoungGenerationSmall } = await import(${JSON.stringify(moduleUrl)});
    const { getHeapSpaceStatistics } = await import("node:v8");
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    if (${keepSmall}) keepYoungGenerationSmall();
    const initial = newSpace();
    const retained = [];
    for (let t = 0; t < 60; t++) { for (let i = 0; i < 3000; i++) retained.push({ i, s: "x" + i }); await tick(); }
    const afterTrickle = newSpace();
    // The burst in ticks, so the observer hears of its collections while it lasts.
    for (let t = 0; t < 40; t++) {
      let kept = [];
      for (let i = 0; i < 300000; i++) { kept.push({ i, s: "x" + i }); if (kept.length > 20000) kept = []; }
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(JSON.stringify({ initial, afterTrickle, afterBurst: newSpace() }));
  `;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(output) as { initial: number; afterTrickle: number; afterBurst: number };
}

test("in a real process a trickle leaves the young generation small and a burst lets it grow", () => {
  const byDefault = youngGenerationSizes(false);
  const kept = youngGenerationSizes(true);
  const sizes = JSON.stringify({ byDefault, kept });
  assert.ok(byDefault.afterTrickle >= 4 * byDefault.initial, `V8's default grows with the trickle: ${sizes}`);
  assert.ok(kept.afterTrickle <= 2 * kept.initial, `kept small through the trickle: ${sizes}`);
  assert.ok(kept.afterBurst > kept.afterTrickle, `grew during the burst: ${sizes}`);
});
