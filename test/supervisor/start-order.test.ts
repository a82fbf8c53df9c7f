/**
 * The Supervisor with fake kernels and children (its `launchKernel` and `children`
 * seams): start order under depends_on, readiness (a failed start is never ready),
 * and shutdown, in milliseconds. start.test.ts and truthful-ready.test.ts cover the
 * same ground end to end with real kernels and processes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { LogHub } from "../../src/log/hub.js";
import { StatusBook } from "../../src/runtime/status-book.js";
import { noTracking } from "../../src/process/tracker.js";
import type { AppConfig, JaffleConfig, ProcessConfig } from "../../src/config/types.js";
import { FakeChildren, FakeKernels } from "../helpers/fakes.js";
import { nth } from "../helpers/index.js";
import { noRules, processConfig } from "../process/support.js";

function supervisor(blocks: { process?: Record<string, ProcessConfig>; app?: Record<string, AppConfig> }) {
  const children = new FakeChildren();
  const kernels = new FakeKernels();
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").trimEnd().split("\n"));
      done();
    },
  });
  const hub = new LogHub({ format: "pretty", color: false, level: "debug", root: noRules, out });
  const config: JaffleConfig = {
    variable: {},
    kernel: blocks.app ? { k: { pass_env: [], env: {} } } : {},
    app: blocks.app ?? {},
    process: blocks.process ?? {},
    job: {},
    logger: noRules,
  };
  const sup = new Supervisor({
    config,
    projectDir: "/project",
    runtimeDir: "/runtime",
    hub,
    logger: hub.logger("jaffle"),
    tracker: noTracking,
    status: new StatusBook("/project", () => {}),
    readyTimeoutMs: 10_000,
    resolveAppClass: () => Promise.reject(new Error("these tests create no app")),
    launchKernel: kernels.launch,
    children,
  });
  const spawnOrder = () => children.children.map((child) => child.spec.label);
  return { sup, children, kernels, lines, spawnOrder };
}

test("a process with depends_on starts once its dependency is ready; the others do not wait", async () => {
  const { sup, children, spawnOrder } = supervisor({
    process: {
      db: processConfig("db", { ready: { log_regex: "accepting connections" } }),
      api: processConfig("api", { depends_on: ["db"] }),
      worker: processConfig("worker"),
    },
  });
  const report = sup.start();
  const db = await children.spawned(1);
  await children.spawned(2);
  assert.deepEqual(spawnOrder(), ["process db", "process worker"], "api waits for db's readiness");
  // db says the line its check waits for, through the logger it was given.
  db.spec.logger.info("database system is ready: accepting connections");
  await children.spawned(3);
  assert.deepEqual(spawnOrder(), ["process db", "process worker", "process api"]);
  assert.equal((await report).ready, true);
  await sup.shutdown();
});

test("a process that cannot start is not ready, and neither is what depends on it", async () => {
  const { sup, children, spawnOrder } = supervisor({
    process: {
      db: processConfig("db"),
      api: processConfig("api", { depends_on: ["db"] }),
    },
  });
  children.failNextSpawn = new Error('cannot run "db": command not found on PATH');
  const report = await sup.start();
  assert.ok(!report.ready, "a failed start is never ready");
  assert.match(nth(report.failures, 0), /cannot run "db": command not found on PATH/);
  assert.equal(report.failures.length, 2, report.failures.join("\n"));
  assert.match(nth(report.failures, 1), /api.*db/);
  assert.deepEqual(spawnOrder(), [], "api never started");
  await sup.shutdown();
});

test("a kernel that does not launch fails the run, and its apps are not started", async () => {
  const { sup, kernels } = supervisor({
    app: {
      web: {
        class: "ServerBridgeApp",
        kernel: "k",
        logger: noRules,
        options: {},
        disabled: false,
        depends_on: [],
      },
    },
  });
  kernels.failNext = 1;
  const report = await sup.start();
  assert.ok(!report.ready);
  assert.deepEqual(report.failures, [
    "kernel k failed: the fake kernel did not start",
    "app web not started: its kernel k did not start",
  ]);
  await sup.shutdown();
});

test("shutdown stops every process it started", async () => {
  const { sup, children } = supervisor({ process: { a: processConfig("a"), b: processConfig("b") } });
  assert.equal((await sup.start()).ready, true);
  await sup.shutdown();
  assert.equal(children.children.length, 2);
  for (const child of children.children) assert.equal(child.running, false, child.spec.label);
  assert.deepEqual(children.terminated.map((t) => t.pgid).sort(), children.children.map((c) => c.pid).sort());
});
