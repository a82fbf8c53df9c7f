/**
 * Readiness that cannot be fooled, and a status file that is the truth at the `ready in`
 * line: a foreign server answering 404 on the app's port is not the app; `status = [...]`
 * chooses what counts; 20 starts in a row each find every kernel, app and process in
 * the status file the moment the ready line is printed.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { test, type TestContext } from "node:test";
import type { ProcessStatus } from "../../src/runtime/status.js";
import { freePort, needsPython, runJaffle, startJaffle } from "../helpers/index.js";
import { linesOf, NODE_KERNEL, project, PYTHON_KERNEL, statusOf } from "./support.js";

/** An HTTP server that answers every request with `status`, closed when the test ends. */
async function foreignServer(t: TestContext, port: number, status: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.statusCode = status;
    res.end("not the app\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

const SERVER = `import { createServer, type Server } from "node:http";
export class Api {
  server: Server | undefined;
  constructor(private argv: string[]) {}
  start() {
    const port = Number(this.argv[0]);
    const server = createServer((_req, res) => res.end("ok"));
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  }
  stop() { this.server?.close(); }
}
`;

function bridge(port: number, ready: string): string {
  return `app "api" {
  class  = "ServerBridgeApp"
  kernel = "k"
  start  = "await api.start()"
  options {
    app_class = "./server.ts#Api"
    argv      = ["${port}"]
  }
  ${ready}
}
`;
}

test("a foreign server answering 404 on the app's port: the app failed, its check never counts", async (t) => {
  const port = await freePort();
  await foreignServer(t, port, 404);
  const dir = project(
    t,
    `kernel "k" { ${NODE_KERNEL} }\n${bridge(port, `ready { url = "http://127.0.0.1:${port}/health" }`)}`,
    {
      "server.ts": SERVER,
    },
  );
  const run = await runJaffle(["start", "--exit-when-ready", "--no-color", "--ready-timeout", "600"], { cwd: dir });
  assert.equal(run.code, 1, run.stdout);
  assert.match(
    run.stdout,
    new RegExp(`jaffle E app api failed: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}$`, "m"),
  );
  assert.doesNotMatch(run.stdout, /passed its readiness check| jaffle I ready in /);
});

test("a url check is ready on 2xx/3xx only: a 404 is not ready, unless status = [404] says so", async (t) => {
  const [appPort, foreignPort] = [await freePort(), await freePort()];
  await foreignServer(t, foreignPort, 404);
  const url = `http://127.0.0.1:${foreignPort}/health`;
  const strict = project(
    t,
    `kernel "k" { ${NODE_KERNEL} }\n${bridge(appPort, `ready {\n    url = "${url}"\n    timeout = 1\n  }`)}`,
    {
      "server.ts": SERVER,
    },
  );
  const notReady = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: strict });
  assert.equal(notReady.code, 1, notReady.stdout);
  assert.match(
    notReady.stdout,
    new RegExp(
      `jaffle E app api not ready within 1 s: ${url.replace(/[.]/g, "\\.")} did not answer with 2xx or 3xx$`,
      "m",
    ),
  );

  const chosen = project(
    t,
    `kernel "k" { ${NODE_KERNEL} }\n${bridge(appPort, `ready {\n    url = "${url}"\n    status = [404]\n  }`)}`,
    { "server.ts": SERVER },
  );
  const ready = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: chosen });
  assert.equal(ready.code, 0, ready.stdout);
  assert.match(ready.stdout, /jaffle I ready in \d+\.\d\d s: 1 kernel, 1 app, 0 processes$/m);
});

test(
  "20 starts in a row: at the ready line the status file holds every kernel, app and process",
  { timeout: 900_000, ...needsPython() },
  async (t) => {
    const dir = project(
      t,
      `kernel "js" { ${NODE_KERNEL} }
kernel "py" { ${PYTHON_KERNEL} }
app "greeter" {
  class  = "./plain.ts#Plain"
  kernel = "py"
  start  = "print('hello')"
}
process "sleeper" { command = "sleep 600" }
process "printer" {
  command = "sh -c 'echo up; exec sleep 600'"
  ready { log_regex = "^up$" }
}
`,
      { "plain.ts": "export class Plain { constructor(_context: unknown) {} }\n" },
    );
    for (let run = 1; run <= 20; run++) {
      const jaffle = startJaffle(t, ["start", "--no-color"], { cwd: dir });
      await jaffle.waitForOutput(/ready in \d+\.\d+ s/, 120_000);
      // Read at once: no waiting, no retry. The file was on disk before the line.
      const status = statusOf(dir);
      assert.ok(status, `run ${run}: a status file`);
      assert.deepEqual(Object.keys(status.kernels).sort(), ["js", "py"], `run ${run}: kernels`);
      for (const kernel of Object.values(status.kernels)) {
        assert.equal(kernel.state, "running", `run ${run}`);
        assert.ok(kernel.pid > 0, `run ${run}`);
      }
      assert.equal(status.apps.greeter?.state, "running", `run ${run}: ${JSON.stringify(status.apps)}`);
      for (const name of ["sleeper", "printer"]) {
        const proc: ProcessStatus | undefined = status.processes[name];
        assert.equal(proc?.state, "running", `run ${run}: ${name} ${JSON.stringify(proc)}`);
        assert.ok(proc.pid !== null && proc.startedAt !== null, `run ${run}: ${name} pid and start time`);
      }
      assert.deepEqual(linesOf(jaffle.stdout(), "greeter"), ["hello"]);
      jaffle.child.kill("SIGTERM");
      assert.equal((await jaffle.exited).code, 0, jaffle.stdout());
    }
  },
);
