/**
 * The configuration parse cache (src/config/parse-cache.ts): what is stored, when it is
 * used, and that nothing wrong is ever taken from it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { cacheDir } from "../../src/config/parse-cache.js";
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
  writeFileSync(entry, readFileSync(entry, "utf8").replace("--port=8080", "--port=9999"));
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
  for (const garbage of ["", "{not json", "null", '{"format":"jaffle-parse-cache/1"}', "[1,2,3]"]) {
    writeFileSync(entry!, garbage);
    assert.equal(await command(project, cache), "node server.js --port=8080", `entry ${JSON.stringify(garbage)}`);
    assert.equal(statSync(entry!).mode & 0o777, 0o600);
    assert.notEqual(readFileSync(entry!, "utf8"), garbage, "the entry was written again");
  }
});

test("a foreign entry (another file's, or another format's) is ignored", async (t) => {
  const { project, cache, entries } = setup(t);
  writeFileSync(join(project, "jaffle.hcl"), CONFIG);
  await command(project, cache);
  const [first] = entries();
  const firstText = readFileSync(first!, "utf8");
  writeFileSync(join(project, "jaffle.hcl"), CONFIG.replace("8080", "7070"));
  await command(project, cache);
  const second = entries().find((path) => path !== first)!;
  const secondText = readFileSync(second, "utf8");
  // The first file's entry, stored under the second file's key: its key does not match.
  writeFileSync(second, firstText);
  assert.equal(await command(project, cache), "node server.js --port=7070");
  // The right key, but a format this version does not know.
  writeFileSync(second, secondText.replace('"jaffle-parse-cache/1"', '"jaffle-parse-cache/0"').replace("7070", "6060"));
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
