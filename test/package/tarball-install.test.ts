/**
 * jaffle as a user gets it from `npm pack`: installed into a fresh `npm init -y` project,
 * typed through `import ... from "jaffle"`, started with `npx jaffle`; and the README's
 * quick start, run verbatim in a fresh project beside it.
 */
import assert from "node:assert/strict";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, repoRoot, tempDir, nth } from "../helpers/index.js";
import { checkInstalledProject, mustRun, packJaffle, projectWith, run, userEnv, writeFiles } from "./support.js";

/** The README's quick start: its files (`<!-- quick-start:file NAME -->`) and its run command. */
function quickStart(): { files: Record<string, string>; command: string } {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const files: Record<string, string> = {};
  for (const match of readme.matchAll(
    /<!-- quick-start:file (\S+) -->\n```\w*\n([\s\S]*?)```\n<!-- \/quick-start:file -->/g,
  )) {
    files[nth(match, 1)] = nth(match, 2);
  }
  const run = /<!-- quick-start:run -->\n```sh\n([\s\S]*?)```\n<!-- \/quick-start:run -->/.exec(readme);
  assert.ok(run, "README.md has a quick-start:run block");
  assert.deepEqual(Object.keys(files).sort(), ["jaffle.hcl", "src/server.ts", "tsconfig.json"]);
  return { files, command: nth(run, 1).trim() };
}

test(
  "npm pack, install the tarball, type-check against its declarations, npx jaffle start",
  { timeout: 900_000 },
  async (t) => {
    const tarball = await packJaffle(t);
    const listing = await mustRun(t, "tar", ["tzf", tarball], { cwd: repoRoot });
    const packed = listing.stdout.trim().split("\n");
    // What runs, and nothing else: compiled sources with their declarations, the bin, the
    // Python bridge runtime; no tests, maps or TypeScript sources.
    assert.ok(packed.includes("package/dist/src/index.d.ts"), "declarations are packed");
    assert.ok(packed.includes("package/dist/src/cli/main.js"));
    assert.ok(packed.includes("package/bin/jaffle.js"));
    assert.ok(packed.includes("package/src/apps/server-bridge/tornado_bridge.py"));
    assert.deepEqual(
      packed.filter((f) => /\/test\/|\.map$|\.tsbuildinfo$|\/src\/.*\.ts$/.test(f) && !f.endsWith(".d.ts")),
      [],
    );

    const dir = await projectWith(t, tarball);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type?: string };
    assert.equal(manifest.type ?? "commonjs", "commonjs", "npm init -y makes a CommonJS package");
    await checkInstalledProject(t, dir, await freePort());

    // `exports` keeps the internals out of reach.
    const internal = await run(t, process.execPath, ["-e", 'import("jaffle/dist/src/cli/main.js")'], { cwd: dir });
    assert.match(internal.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
    const api = await mustRun(
      t,
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const j = await import("jaffle"); console.log(typeof j.startJaffle, typeof j.loadConfig)',
      ],
      { cwd: dir },
    );
    assert.equal(api.stdout.trim(), "function function");

    // The README's quick start, verbatim, in a project of its own that shares the installed
    // packages (what `npm install --save-dev jaffle typescript @types/node` gave).
    const { files, command } = quickStart();
    const quick = tempDir(t, "jaffle-quick-start-");
    writeFiles(quick, { ...files, "package.json": readFileSync(join(dir, "package.json"), "utf8") });
    symlinkSync(join(dir, "node_modules"), join(quick, "node_modules"));
    await mustRun(t, "npx", ["--no-install", "tsc", "--noEmit"], { cwd: quick });
    const started = await run(t, "sh", ["-c", command], {
      cwd: quick,
      env: userEnv({ J_VAR_port: String(await freePort()) }),
      timeoutMs: 180_000,
    });
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.match(started.stdout, /jaffle I ready in .*: 1 kernel, 2 apps, 0 processes$/m);
  },
);
