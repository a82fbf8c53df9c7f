/**
 * The configuration parse cache (src/config/parse-cache.ts): what is stored, when it is
 * used, and that nothing wrong is ever taken from it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { TestContext } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { cacheDir, MAX_CACHE_ENTRIES } from "../../src/config/parse-cache.js";
import { tempDir, defined } from "../helpers/index.js";

const CONFIG = 'kernel "k" {}\nprocess "web" {\n  command = "node server.js --port=8080"\n}\n';

function setup(t: TestContext): { project: string; cache: string; entries: () => string[] } {
  const project = tempDir(t, "jaffle-cache-project-");
  const cache = tempDir(t, "jaffle-cache-");
  const entries = () => {
    try {
      return readdirSync(join(cache, "config")).map((name) => join(cache, "config", name));
    } catch {
      return [];
    }
  };
  return { project, cache, entries };
}

async function command(project: string, cache: string): Promise<string> {
  const config = await loadConfig(["jaffle.hcl"], { env: {}, cwd: project, cacheDir: cache });
  return defined(config.process["web"], "process web").command as string;
}

test("the cache dir: JAFFLE_CACHE_DIR, else XDG_CACHE_HOME/jaffle, else ~/.cache/jaffle", () => {
  assert.equal(cacheDir({ JAFFLE_CACHE_DIR: "/x/y", XDG_CACHE_HOME: "/c" }), "/x/y");
  assert.equal(cacheDir({ XDG_CACHE_HOME: "/c" }), "/c/jaffle");
  assert.match(cacheDir({ XDG_CACHE_HOME: "relative" }), /\/\.cache\/jaffle$/);
  assert.match(cacheDir({}), /\/\.cache\/jaffle$/);
});

test("a parse is stored in a 0600 file in a 0700 directory, and an unchanged file is read from it", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  assert.equal(await command(project, cache), "node server.js --port=8080");
  const [entry, ...more] = entries();
  assert.ok(entry, "one cache entry was written");
  assert.deepEqual(more, []);
  assert.equal(statSync(entry).mode & 0o777, 0o600);
  assert.equal(statSync(join(cache, "config")).mode & 0o777, 0o700);
  // Proof that the next load takes the entry instead of parsing: an edited entry (same
  // key, same format) is what it returns.
  // latin1 keeps every byte of the entry (its structure part is binary).
  writeFileSync(entry, readFileSync(entry, "latin1").replace("--port=8080", "--port=9999"), "latin1");
  assert.equal(await command(project, cache), "node server.js --port=9999");
});

test("a changed file is parsed again, under a new key", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  assert.equal(await command(project, cache), "node server.js --port=8080");
  writeFileSync(join(project, "jaffle.hcl"), CONFIG.replace("8080", "8081"));
  assert.equal(await command(project, cache), "node server.js --port=8081");
  assert.equal(entries().length, 2);
});

test("a corrupt cache entry is ignored and replaced", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  await command(project, cache);
  const [entry] = entries();
  for (const garbage of ["", "{not json", "null", '{"format":"jaffle-parse-cache/1"}', "[1,2,3]", "\x04\0\0\0null"]) {
    writeFileSync(entry!, garbage);
    assert.equal(await command(project, cache), "node server.js --port=8080", `entry ${JSON.stringify(garbage)}`);
    assert.equal(statSync(entry!).mode & 0o777, 0o600);
    assert.notEqual(readFileSync(entry!, "latin1"), garbage, "the entry was written again");
  }
  // The right header over a structure cut short, or one with a node too many.
  const good = readFileSync(entry!);
  for (const [what, bytes] of [
    ["cut short", good.subarray(0, good.length - 4)],
    ["a node too many", Buffer.concat([good, Buffer.from(new Int32Array([0, 1, 1]).buffer)])],
  ] as const) {
    writeFileSync(entry!, bytes);
    assert.equal(await command(project, cache), "node server.js --port=8080", `structure ${what}`);
    assert.deepEqual(readFileSync(entry!), good, `the entry was written again after a structure ${what}`);
  }
});

test("a foreign entry (another file's, or another format's) is ignored", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  await command(project, cache);
  const [first] = entries();
  const firstBytes = readFileSync(first!);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG.replace("8080", "7070"));
  await command(project, cache);
  const second = entries().find((path) => path !== first)!;
  const secondText = readFileSync(second, "latin1");
  // The first file's entry, stored under the second file's key: its key does not match.
  writeFileSync(second, firstBytes);
  assert.equal(await command(project, cache), "node server.js --port=7070");
  // The right key, but a format this version does not know.
  const otherFormat = secondText.replace('"jaffle-parse-cache/2 ', '"jaffle-parse-cache/0 ').replace("7070", "6060");
  assert.notEqual(otherFormat, secondText, "the entry names its format");
  writeFileSync(second, otherFormat, "latin1");
  assert.equal(await command(project, cache), "node server.js --port=7070");
});

test("a parse error is never cached: it is reported again on every load", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), 'kernel "k" {}\nprocess "web" {\n  command = "node\n}\n');
  const errorsOf = async () => {
    try {
      await loadConfig(["jaffle.hcl"], { env: {}, cwd: project, cacheDir: cache });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail("the broken file loaded");
  };
  const first = await errorsOf();
  assert.match(first, /^jaffle\.hcl:\d+:\d+: /);
  assert.deepEqual(entries(), []);
  assert.equal(await errorsOf(), first);
  assert.deepEqual(entries(), []);
});

test("the cache keeps its most recently used entries, and removes only files it wrote", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  await command(project, cache);
  const [inUse] = entries();
  const folder = join(cache, "config");
  // Older entries than the cap allows, a format-1 leftover, a dead writer's temp file, a
  // fresh temp file (a writer at work) and a file of the user's own.
  const hour = 3_600_000;
  const old = (path: string, ageMs: number) => {
    writeFileSync(path, "x");
    const when = new Date(Date.now() - ageMs);
    utimesSync(path, when, when);
  };
  const key = (n: number) => n.toString(16).padStart(64, "0");
  for (let n = 0; n < MAX_CACHE_ENTRIES + 5; n++) old(join(folder, `${key(n)}.bin`), (n + 2) * hour);
  old(join(folder, `${key(900)}.json`), hour);
  old(join(folder, `${key(901)}.bin.123.tmp`), hour);
  writeFileSync(join(folder, `${key(902)}.bin.456.tmp`), "x");
  writeFileSync(join(folder, "notes.txt"), "mine");
  // The entry in use was read most recently; a miss (an edited file) writes, then prunes.
  const used = new Date(Date.now() - 3 * hour);
  utimesSync(inUse!, used, used);
  await command(project, cache);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG.replace("8080", "8082"));
  assert.equal(await command(project, cache), "node server.js --port=8082");

  const left = readdirSync(folder).sort();
  const kept = left.filter((name) => /^[0-9a-f]{64}\.bin$/.test(name));
  assert.equal(kept.length, MAX_CACHE_ENTRIES);
  assert.ok(left.includes(basename(inUse!)), "the entry in use stays");
  assert.ok(!left.includes(`${key(MAX_CACHE_ENTRIES + 4)}.bin`), "the least recently used entry went");
  assert.ok(!left.includes(`${key(900)}.json`), "the format-1 leftover went");
  assert.ok(!left.includes(`${key(901)}.bin.123.tmp`), "the dead writer's temp file went");
  assert.ok(left.includes(`${key(902)}.bin.456.tmp`), "a fresh temp file stays");
  assert.ok(left.includes("notes.txt"), "a file the cache did not write stays");
});
