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

/** Edits jaffle.hcl until `seen()`: a watch becomes effective asynchronously. */
async function editUntil(dir: string, seen: () => boolean, what: string): Promise<void> {
  let edit = 0;
  await waitFor(
    () => {
      writeFileSync(join(dir, "jaffle.hcl"), `kernel "k${++edit}" {}\n`);
      return seen();
    },
    what,
    30_000,
    250,
  );
}

test("an edit of a watched configuration file calls back; closing ends the watch", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "jaffle.hcl"), 'kernel "k" {}\n');
  let changes = 0;
  const watch = watchConfigFiles(["jaffle.hcl"], dir, recordingLogger(), () => changes++);
  try {
    await editUntil(dir, () => changes > 0, "a change callback");
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
    await editUntil(dir, () => seen > 0, "the witness's change callback");
  } finally {
    await witness.close();
  }
  assert.equal(changes, 0, "the closed watch called back");
  assert.deepEqual(logger.at("warning"), []);
});
