/**
 * A real `jaffle start` whose stdout is a pipe nobody reads for a while, under a process
 * that floods: the supervisor's memory stays bounded by the root logger's
 * `backlog_bytes`, and once the reader comes back every line is accounted for, either
 * received or counted in a `N lines dropped` line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startJaffle, tempDir, waitFor } from "../helpers/index.js";

const LINES = 2_000_000;
/** Each flood line is about 100 bytes: 200 MB in all, against a 1 MiB backlog. */
const FLOOD = `import { existsSync, watch, writeFileSync } from "node:fs";
const count = Number(process.argv[2]);
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
    process.stdout.write("", () => writeFileSync("done", ""));
  };
  pump();
}
// Starts when the test creates "go" (watched first, then checked, so it cannot be missed).
const watcher = watch(".", () => existsSync("go") && (watcher.close(), flood()));
if (existsSync("go")) (watcher.close(), flood());
setInterval(() => {}, 1 << 30);
`;

function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(match, `${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

test("a slow reader of stdout: the supervisor's memory stays bounded and dropped lines are counted", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "flood.mjs"), FLOOD);
  writeFileSync(
    join(dir, "jaffle.hcl"),
    `logger { backlog_bytes = 1048576 }\nprocess "flood" { command = "node flood.mjs ${LINES}" }\n`,
  );
  const jaffle = startJaffle(t, ["start", "--no-color", "-y"], { cwd: dir });
  await jaffle.waitForOutput(/ jaffle I ready in /);
  const pid = jaffle.child.pid!;
  const before = statusKiB(pid, "VmRSS");
  // Resets VmHWM (the peak) to the current RSS, so the peak measured is the flood's.
  writeFileSync(`/proc/${pid}/clear_refs`, "5");

  jaffle.child.stdout!.pause();
  writeFileSync(join(dir, "go"), "");
  await waitFor(() => existsSync(join(dir, "done")), "the flood to be written", 300_000);
  const peak = statusKiB(pid, "VmHWM");

  jaffle.child.stdout!.resume();
  const count = () => {
    const text = jaffle.stdout();
    const received = text.match(/ flood I \d+ x+$/gm)?.length ?? 0;
    let dropped = 0;
    for (const match of text.matchAll(/ jaffle W (\d+) lines dropped: /g)) dropped += Number(match[1]);
    return { received, dropped };
  };
  // Every flood line ends up received or counted (the last ones may still be on their way).
  await waitFor(
    () => {
      const { received, dropped } = count();
      return received + dropped >= LINES;
    },
    "every flood line received or counted as dropped",
    300_000,
  );
  const { received, dropped } = count();
  assert.ok(dropped > 0, "lines were dropped while nobody read");
  assert.equal(received + dropped, LINES);
  assert.match(
    jaffle.stdout(),
    / jaffle W \d+ lines dropped: this output was read too slowly \(backlog_bytes = 1048576 waited\)$/m,
  );
  // 200 MB went through while the reader slept; without the bound the supervisor held it.
  const grownMiB = (peak - before) / 1024;
  assert.ok(grownMiB < 64, `the supervisor grew by ${grownMiB.toFixed(1)} MiB (RSS ${before} kB, peak ${peak} kB)`);

  process.kill(pid, "SIGTERM");
  const exit = await jaffle.exited;
  assert.equal(exit.code, 0, jaffle.stderr());
});
