/**
 * The configuration watch (src/supervisor/config-watch.ts) on real files: an edit calls
 * back once it settled, and a watch closed at once (before its watcher module has even
 * loaded) watches nothing afterwards: a watcher left open would keep this test's
 * process alive and fail it by timeout.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { watchConfigFiles } from "../../src/supervisor/config-watch.js";
import { recordingLogger, tempDir, waitFor } from "../helpers/index.js";

test("an edit of a watched configuration file calls back; closing ends the watch", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "jaffle.hcl"), 'kernel "k" {}\n');
  let changes = 0;
  const watch = watchConfigFiles(["jaffle.hcl"], dir, recordingLogger(), () => changes++);
  try {
    // The watch becomes effective asynchronously: edit until one is seen.
    let edit = 0;
    await waitFor(
      () => {
        writeFileSync(join(dir, "jaffle.hcl"), `kernel "k${++edit}" {}\n`);
        return changes > 0;
      },
      "a change callback",
      30_000,
      250,
    );
  } finally {
    await watch.close();
  }
});

test("a watch closed before it started watches nothing", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "jaffle.hcl"), 'kernel "k" {}\n');
  let changes = 0;
  const logger = recordingLogger();
  const watch = watchConfigFiles(["jaffle.hcl"], dir, logger, () => changes++);
  await watch.close();
  writeFileSync(join(dir, "jaffle.hcl"), 'kernel "other" {}\n');
  // A second, open watch sees this edit: by then the closed one would have seen it too.
  let seen = 0;
  const witness = watchConfigFiles(["jaffle.hcl"], dir, logger, () => seen++);
  try {
    let edit = 0;
    await waitFor(
      () => {
        writeFileSync(join(dir, "jaffle.hcl"), `kernel "w${++edit}" {}\n`);
        return seen > 0;
      },
      "the witness's change callback",
      30_000,
      250,
    );
  } finally {
    await witness.close();
  }
  assert.equal(changes, 0, "the closed watch called back");
  assert.deepEqual(logger.at("warning"), []);
});
