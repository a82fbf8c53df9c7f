/**
 * Issue 11, item 1: SIGKILL of the supervisor at a random moment while it is starting
 * processes leaves none of them running. The guardian may hear of a group 15-50 ms after
 * its spawn; the marker in every child's environment closes that window.
 *
 * Each run starts 30 `sleep 1000.6<run><nn>` processes, kills the supervisor with SIGKILL
 * as soon as a randomly chosen number of them exist, and then looks for survivors by the
 * unique argument in their argv (and ends any it finds, so none outlives the test).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { startJaffle, waitFor } from "../helpers/index.js";
import { project } from "./support.js";

const RUNS = 20;
const PROCESSES = 30;

/** Pids of running processes whose argv contains `needle` (a zombie's argv is empty). */
function processesWith(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) > 57) continue; // not a pid directory
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1").includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

test(
  `SIGKILL at ${RUNS} random moments of starting ${PROCESSES} processes leaves no process behind`,
  { timeout: 600_000 },
  async (t) => {
    // Unique to this test run, so another run's (or engineer's) sleeps are never counted.
    const tag = `${process.pid}${Date.now() % 100_000}`;
    const survivorsPerRun: number[] = [];
    const started = Date.now();
    t.after(() => killAll(processesWith(`1000.6${tag}`)));
    for (let run = 0; run < RUNS; run++) {
      const needle = `1000.6${tag}${String(run).padStart(2, "0")}`;
      const blocks = Array.from(
        { length: PROCESSES },
        (_, i) => `process "p${i}" {\n  command = "sleep ${needle}${String(i).padStart(2, "0")}"\n}\n`,
      );
      const dir = project(t, blocks.join(""));
      // Somewhere in the start-up: after the first process exists, up to after the last.
      const killAt = 1 + Math.floor(Math.random() * PROCESSES);
      const jaffle = startJaffle(t, ["start", "-y", "--no-color"], { cwd: dir });
      await waitFor(() => processesWith(needle).length >= killAt, `${killAt} sleeps of run ${run}`, 60_000, 5);
      jaffle.child.kill("SIGKILL");
      await jaffle.exited;
      // The guardian ends what is left (SIGTERM, SIGKILL after 3 s); give it ample time.
      const gone = await waitFor(() => processesWith(needle).length === 0, "no survivor", 10_000, 50).catch(
        () => false,
      );
      const survivors = gone ? [] : processesWith(needle);
      survivorsPerRun.push(survivors.length);
      killAll(survivors);
    }
    t.diagnostic(`${RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const total = survivorsPerRun.reduce((a, b) => a + b, 0);
    t.diagnostic(`survivors per run: ${survivorsPerRun.join(" ")}`);
    assert.equal(total, 0, `survivors per run: ${survivorsPerRun.join(" ")}`);
  },
);
