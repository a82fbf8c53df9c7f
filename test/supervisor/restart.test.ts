/**
 * Things that die while jaffle runs: a process under `restart = "on-failure"`, and a
 * kernel, which comes back with its apps created again in it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { waitFor } from "../helpers/index.js";
import {
  groupsOf,
  linesOf,
  NODE_KERNEL,
  project,
  PYTHON_KERNEL,
  startReady,
  statusOf,
  waitGroupsGone,
} from "./support.js";

test("a crashing process is restarted under on-failure until it stays up", { timeout: 180_000 }, async (t) => {
  const dir = project(
    t,
    `kernel "js" { ${NODE_KERNEL} }
process "flaky" {
  command = "sh -c 'if [ -f marker ]; then echo second run; exec sleep 600; else touch marker; echo first run; exit 3; fi'"
  restart = "on-failure"
}
process "hopeless" {
  command = "sh -c 'echo trying; exit 2'"
  restart = "on-failure"
  max_restarts = 2
}
`,
  );
  const { jaffle } = await startReady(t, dir);
  await jaffle.waitForOutput(/flaky I second run/);
  await jaffle.waitForOutput(/hopeless E exited with exit code 2; gave up after 2 restarts/);
  assert.match(jaffle.stdout(), /flaky W exited with exit code 3; restarting in \d+ ms \(restart 1 of at most 5\)/);
  assert.deepEqual(
    linesOf(jaffle.stdout(), "hopeless").filter((line) => line === "trying"),
    ["trying", "trying", "trying"],
  );
  const status = await waitFor(() => {
    const s = statusOf(dir);
    return s?.processes.flaky?.state === "running" && s.processes.hopeless?.state === "failed" ? s : undefined;
  }, "the restarts in the status file");
  assert.equal(status.processes.flaky!.restarts, 1);
  assert.equal(status.processes.hopeless!.restarts, 2);
  assert.equal(status.processes.hopeless!.pid, null);
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
});

const COUNTED = `let instances = 0;
export class Counted {
  readonly n = ++instances;
  constructor(private context: { logger: { info(m: string): void } }) {}
  setup() { this.context.logger.info("instance " + this.n + " set up"); }
  stop() { this.context.logger.info("instance " + this.n + " stopped"); }
}
`;

for (const { kernel, block, language, start } of [
  {
    kernel: "Node",
    block: NODE_KERNEL,
    language: "javascript",
    start: "console.log('greeter started in', process.pid)",
  },
  {
    kernel: "Python",
    block: PYTHON_KERNEL,
    language: "python",
    start: "import os; print('greeter started in', os.getpid())",
  },
]) {
  test(
    `a killed ${kernel} kernel is started again and its apps are created again in it`,
    { timeout: 240_000 },
    async (t) => {
      const config = `kernel "py" { ${block} }
app "greeter" {
  class = "./counted.ts#Counted"
  kernel = "py"
  start = ${JSON.stringify(start)}
}
`;
      const dir = project(t, config, { "counted.ts": COUNTED });
      const { jaffle, status } = await startReady(t, dir);
      const first = status.kernels.py!;
      const firstConnection = readFileSync(first.connectionFile, "utf8");
      assert.deepEqual(linesOf(jaffle.stdout(), "greeter"), ["instance 1 set up", `greeter started in ${first.pid}`]);

      process.kill(-first.pid, "SIGKILL");
      await jaffle.waitForOutput(/greeter I created again in the new kernel py/, 120_000);
      const after = await waitFor(() => {
        const s = statusOf(dir);
        return s && s.kernels.py && s.kernels.py.pid !== first.pid ? s : undefined;
      }, "the new kernel in the status file");
      const second = after.kernels.py!;
      assert.equal(second.restarts, 1);
      assert.equal(second.language, language);
      assert.match(
        jaffle.stdout(),
        /py W kernel died \(signal SIGKILL\); starting it again \(restart 1, at most 5 within 60 s\)/,
      );
      assert.deepEqual(linesOf(jaffle.stdout(), "greeter"), [
        "instance 1 set up",
        `greeter started in ${first.pid}`,
        "instance 1 stopped",
        "instance 2 set up",
        `greeter started in ${second.pid}`,
        "created again in the new kernel py",
      ]);
      assert.notEqual(
        readFileSync(second.connectionFile, "utf8"),
        firstConnection,
        "the connection file was rewritten",
      );

      jaffle.child.kill("SIGTERM");
      assert.equal((await jaffle.exited).code, 0);
      await waitGroupsGone([first.pid, second.pid], 5_000);
      assert.match(jaffle.stdout(), /greeter I instance 2 stopped/);
    },
  );
}

test("a kernel that keeps dying is given up after 5 restarts a minute", { timeout: 300_000 }, async (t) => {
  const dir = project(t, `kernel "py" { ${PYTHON_KERNEL} }\n`);
  const { jaffle, status } = await startReady(t, dir);
  let pid = status.kernels.py!.pid;
  const killed = [pid];
  for (let restart = 1; restart <= 5; restart++) {
    process.kill(-pid, "SIGKILL");
    const next = await waitFor(
      () => {
        const kernel = statusOf(dir)?.kernels.py;
        return kernel && kernel.pid !== pid && kernel.restarts === restart ? kernel.pid : undefined;
      },
      `restart ${restart}`,
      60_000,
    );
    pid = next;
    killed.push(pid);
  }
  process.kill(-pid, "SIGKILL");
  await jaffle.waitForOutput(/py E died \(signal SIGKILL\) 6 times within 60 s; not restarting it/, 60_000);
  const given = await waitFor(() => {
    const kernel = statusOf(dir)?.kernels.py;
    return kernel?.state === "failed" ? kernel : undefined;
  }, "the kernel is failed in the status file");
  assert.match(given.reason!, /died \(signal SIGKILL\) 6 times within 60 s; not restarting it/);
  assert.equal(given.pid, pid);
  jaffle.child.kill("SIGTERM");
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(killed, 5_000);
});
