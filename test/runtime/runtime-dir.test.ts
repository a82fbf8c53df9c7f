import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  acquireRuntimeDir,
  inspectRuntimeDir,
  LOCK_FILE,
  resolveRuntimeDir,
  RuntimeDirError,
} from "../../src/runtime/runtime-dir.js";
import { readStatus, statusPath, type RuntimeStatus } from "../../src/runtime/status.js";
import { StatusBook } from "../../src/runtime/status-book.js";
import { runJaffle, startJaffle, tempDir } from "../helpers/index.js";

/** A pid that certainly belongs to no process: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

function sampleStatus(pid: number): RuntimeStatus {
  return {
    pid,
    startedAt: new Date().toISOString(),
    projectDir: "/p",
    kernels: {
      py: { state: "running", connectionFile: "/p/.jaffle/kernel-py.json", pid: 4242, language: "python", restarts: 0 },
    },
    apps: {},
    processes: {},
  };
}

test("the runtime directory is created 0700 and locked with our pid; release removes it", (t) => {
  const dir = join(tempDir(t), ".jaffle");
  const runtime = acquireRuntimeDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
  assert.deepEqual(runtime.previous, { kind: "none" });
  runtime.writeStatus(sampleStatus(process.pid));
  assert.equal(statSync(statusPath(dir)).mode & 0o777, 0o600);
  assert.equal(readStatus(dir)?.kernels.py?.pid, 4242);
  writeFileSync(runtime.connectionFile("py"), "{}");
  runtime.release();
  assert.equal(existsSync(dir), false);
});

test("an existing directory jaffle did not create keeps its mode", (t) => {
  const dir = join(tempDir(t), "rt");
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const runtime = acquireRuntimeDir(dir);
  t.after(() => runtime.release());
  assert.equal(statSync(dir).mode & 0o7777, 0o755);
});

test("a shared sticky directory (1777) keeps its mode: jaffle start uses its own subdirectory in it", async (t) => {
  const projectDir = tempDir(t);
  writeFileSync(join(projectDir, "jaffle.hcl"), 'process "sleeper" {\n  command = "sleep 600"\n}\n');
  const shared = join(tempDir(t), "shared");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const own = join(shared, `jaffle-${process.getuid!()}`);
  assert.equal(resolveRuntimeDir(projectDir, shared), own);
  const jaffle = startJaffle(t, ["start", "-y", "--no-color", "--runtime-dir", shared], { cwd: projectDir });
  await jaffle.waitForOutput(/ready in \d+\.\d+ s/, 120_000);
  assert.equal(statSync(shared).mode & 0o7777, 0o1777);
  assert.equal(statSync(own).mode & 0o7777, 0o700);
  const status = await runJaffle(["status", "--runtime-dir", shared], { cwd: projectDir });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`runtime directory: ${own}`));
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0, jaffle.stdout());
  assert.equal(statSync(shared).mode & 0o7777, 0o1777);
  assert.equal(existsSync(own), false);
});

test(
  "a directory others can write to and that is not ours is refused in one line, its mode unchanged",
  { skip: process.getuid?.() !== 0 ? "needs root to give a directory to another user" : false },
  async (t) => {
    const projectDir = tempDir(t);
    writeFileSync(join(projectDir, "jaffle.hcl"), 'process "sleeper" {\n  command = "sleep 600"\n}\n');
    const foreign = join(tempDir(t), "foreign");
    mkdirSync(foreign);
    chownSync(foreign, 65534, 65534);
    chmodSync(foreign, 0o777);
    const result = await runJaffle(["start", "-y", "--exit-when-ready", "--runtime-dir", foreign], { cwd: projectDir });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(
      result.stderr,
      `jaffle: runtime directory ${foreign} is writable by others and not owned by you (uid 65534); choose a private one\n`,
    );
    assert.equal(statSync(foreign).mode & 0o7777, 0o777);
    assert.deepEqual(readdirSync(foreign), []);
  },
);

test("a second acquire is refused while the owner runs", (t) => {
  const dir = join(tempDir(t), ".jaffle");
  const runtime = acquireRuntimeDir(dir);
  t.after(() => runtime.release());
  assert.deepEqual(inspectRuntimeDir(dir), { kind: "running", pid: process.pid });
  assert.throws(
    () => acquireRuntimeDir(dir),
    (error: unknown) => {
      assert.ok(error instanceof RuntimeDirError && error.userFault);
      assert.match(error.message, new RegExp(`already running in this directory \\(pid ${process.pid}`));
      return true;
    },
  );
  // The refused attempt left the owner's files alone.
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
});

test("a stale run (pid gone) is reported and its files are cleared", async (t) => {
  const dir = join(tempDir(t), ".jaffle");
  mkdirSync(dir, { mode: 0o700 });
  const pid = await deadPid();
  writeFileSync(join(dir, LOCK_FILE), `${pid}\n`);
  writeFileSync(statusPath(dir), JSON.stringify(sampleStatus(pid)));
  writeFileSync(join(dir, "kernel-py.json"), "{}");
  writeFileSync(join(dir, "notes.txt"), "not ours");
  assert.deepEqual(inspectRuntimeDir(dir), { kind: "stale", pid });
  const runtime = acquireRuntimeDir(dir);
  assert.deepEqual(runtime.previous, { kind: "stale", pid });
  assert.equal(existsSync(join(dir, "kernel-py.json")), false);
  assert.equal(readStatus(dir), undefined);
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
  runtime.release();
  // Files that are not jaffle's stay, and so does the directory holding them.
  assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "not ours");
});

test("a status file whose pid belongs to a process that is not jaffle counts as stale", (t) => {
  const dir = join(tempDir(t), ".jaffle");
  mkdirSync(dir, { mode: 0o700 });
  // pid 1 exists but is not a jaffle supervisor (and not us).
  writeFileSync(statusPath(dir), JSON.stringify(sampleStatus(1)));
  const found = inspectRuntimeDir(dir);
  assert.equal(found.kind, "stale");
});

test("the status book writes the whole status atomically, coalescing a burst of changes", async (t) => {
  const dir = tempDir(t);
  const writes: RuntimeStatus[] = [];
  const book = new StatusBook("/p", (status) => {
    writes.push(structuredClone(status));
    writeFileSync(statusPath(dir), JSON.stringify(status));
  });
  assert.equal(writes.length, 1, "written once at creation");
  const since = new Date().toISOString();
  book.setKernel("k", { state: "running", connectionFile: "/c", pid: 10, language: "javascript", restarts: 0 });
  book.setApp("a", { kernel: "k", class: "X", state: "running", since });
  book.setProcess("p", { pid: 11, state: "running", restarts: 0, startedAt: since });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writes.length, 2, "three changes, one write");
  assert.deepEqual(Object.keys(readStatus(dir)!.processes), ["p"]);
  book.close();
  book.setApp("b", { kernel: "k", class: "Y", state: "starting", since });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writes.length, 2, "no writes after close");
});
