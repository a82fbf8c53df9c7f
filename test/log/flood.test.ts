import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { tempDir, nth } from "../helpers/index.js";
import { initExpressionEngine } from "../../src/expression/replace.js";
import { LogHub } from "../../src/log/hub.js";
import { ManagedProcess } from "../../src/process/managed-process.js";
import { fixtureCommand, isRunning, processConfig, RecordingTracker } from "../process/support.js";

before(async () => {
  await initExpressionEngine();
});

test("200k lines from a flooding process reach the file through the filters, in order, none lost", async (t) => {
  const count = 200_000;
  const file = join(tempDir(t), "log.txt");
  const out = createWriteStream(file);
  const hub = new LogHub({
    format: "pretty",
    color: false,
    level: "info",
    root: { suppress_regex: [], replace_regex: [{ from: "^line ", to: "#" }] },
    out,
  });
  const logger = hub.logger("flood", {
    suppress_regex: ["payload noise$"],
    replace_regex: [{ from: "(\\d+) payload data$", to: "\\1 ok" }],
  });
  const tracker = new RecordingTracker();
  const proc = new ManagedProcess({
    name: "flood",
    config: processConfig(fixtureCommand("flood.mjs", String(count))),
    projectDir: tempDir(t),
    logger,
    tracker,
  });
  t.after(() => proc.stop(1000));
  await proc.start();
  const pid = proc.pid!;
  await once(proc, "exit");
  await hub.flush();
  out.end();
  await once(out, "finish");
  assert.equal(isRunning(pid), false);

  const lines = readFileSync(file, "utf8").split("\n").slice(0, -1);
  const expected: string[] = [];
  for (let i = 0; i < count; i++) if (i % 7 !== 0) expected.push(`#${i} ok`);
  // The last record is the exit line.
  assert.match(nth(lines, -1), / flood I exited with exit code 0$/);
  const messages = lines.slice(0, -1).map((line) => line.slice(line.indexOf(" flood I ") + 9));
  assert.equal(messages.length, expected.length);
  assert.deepEqual(messages, expected);
});
