/**
 * A real `jaffle start` whose stdout is a pipe nobody reads for a while, under processes
 * that flood: the supervisor's memory does not grow with the flood (the root logger's
 * `backlog_bytes` bounds it), and once the reader comes back every line is accounted
 * for, either received or counted in a `N lines dropped` line.
 *
 * Memory is judged by how it scales, not by one absolute figure: V8's heap alone grows by
 * tens of MiB, differently from run to run, while hundreds of MB pass through. A small
 * flood and one eight times larger must reach about the same peak; an unbounded backlog
 * would hold the difference (175 MB) on top.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startJaffle, tempDir, waitFor } from "../helpers/index.js";

/** Each flood line is about 100 bytes: 25 MB and 200 MB, against a 1 MiB backlog. */
const FLOODS = { small: 250_000, big: 2_000_000 } as const;
type Flood = keyof typeof FLOODS;
const LINE_BYTES = 100;
/** Floods `argv[2]` lines once the file `go-<argv[3]>` exists, then writes `done-<argv[3]>`. */
const FLOOD = `import { existsSync, watch, writeFileSync } from "node:fs";
const count = Number(process.argv[2]);
const go = "go-" + process.argv[3];
const padding = "x".repeat(90);
let started = false;
function flood() {
  if (started) return;
  started = true;
  let i = 0;
  const pump = () => {
    while (i < count) {
      let chunk = "";
      for (let j = 0; j < 1000 && i < count; j++, i++) chunk += i + " " + padding + "\\n";
      if (!process.stdout.write(chunk)) return process.stdout.once("drain", pump);
    }
    // Every line is in the pipe to the supervisor once this write's callback runs.
    process.stdout.write("", () => writeFileSync("done-" + process.argv[3], ""));
  };
  pump();
}
// Starts when the test creates its file (watched first, then checked, so it cannot be missed).
const watcher = watch(".", () => existsSync(go) && (watcher.close(), flood()));
if (existsSync(go)) (watcher.close(), flood());
setInterval(() => {}, 1 << 30);
`;

function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(match, `${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

test("a slow reader of stdout: the supervisor's memory does not grow with the flood and dropped lines are counted", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "flood.mjs"), FLOOD);
  writeFileSync(
    join(dir, "jaffle.hcl"),
    `logger { backlog_bytes = 1048576 }\n` +
      Object.entries(FLOODS)
        .map(([name, lines]) => `process "${name}" { command = "node flood.mjs ${lines} ${name}" }\n`)
        .join(""),
  );
  const jaffle = startJaffle(t, ["start", "--no-color", "-y"], { cwd: dir });
  await jaffle.waitForOutput(/ jaffle I ready in /);
  const pid = jaffle.child.pid!;

  /** A flood's lines received, and the lines dropped since `from` (the output's length when it began). */
  const count = (name: Flood, from: number) => {
    const text = jaffle.stdout().slice(from);
    const received = text.match(new RegExp(` ${name} I \\d+ x+$`, "gm"))?.length ?? 0;
    let dropped = 0;
    for (const match of text.matchAll(/ jaffle W (\d+) lines dropped: /g)) dropped += Number(match[1]);
    return { received, dropped };
  };
  /** Floods while nobody reads; the supervisor's peak RSS (kB) during the flood. */
  const floodUnread = async (name: Flood): Promise<number> => {
    // Resets VmHWM (the peak) to the current RSS, so the peak measured is this flood's.
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    const from = jaffle.stdout().length; // the floods run one after the other
    jaffle.child.stdout!.pause();
    writeFileSync(join(dir, `go-${name}`), "");
    await waitFor(() => existsSync(join(dir, `done-${name}`)), `the ${name} flood to be written`, 300_000);
    const peak = statusKiB(pid, "VmHWM");
    jaffle.child.stdout!.resume();
    // Every flood line ends up received or counted (the last ones may still be on their way).
    await waitFor(
      () => {
        const { received, dropped } = count(name, from);
        return received + dropped >= FLOODS[name];
      },
      `every ${name} flood line received or counted as dropped`,
      300_000,
    );
    const { received, dropped } = count(name, from);
    assert.ok(dropped > 0, `${name}: lines were dropped while nobody read`);
    assert.equal(received + dropped, FLOODS[name], name);
    return peak;
  };

  const before = statusKiB(pid, "VmRSS");
  const smallPeak = await floodUnread("small");
  const bigPeak = await floodUnread("big");
  assert.match(
    jaffle.stdout(),
    / jaffle W \d+ lines dropped: this output was read too slowly \(backlog_bytes = 1048576 waited\)/m,
  );
  const extraMiB = ((FLOODS.big - FLOODS.small) * LINE_BYTES) / 2 ** 20;
  const grownMiB = (bigPeak - smallPeak) / 1024;
  t.diagnostic(`RSS before ${before} kB; peaks: small flood ${smallPeak} kB, big flood ${bigPeak} kB`);
  assert.ok(
    grownMiB < extraMiB / 2,
    `8× the flood raised the peak by ${grownMiB.toFixed(1)} MiB, against ${extraMiB.toFixed(0)} MiB more lines ` +
      `(RSS before ${before} kB, peaks ${smallPeak} / ${bigPeak} kB)`,
  );

  process.kill(pid, "SIGTERM");
  const exit = await jaffle.exited;
  assert.equal(exit.code, 0, jaffle.stderr());
});
