/**
 * A failed start is a failure: each way a server bridge's start can fail, in the Node
 * kernel and in ipykernel (port taken by a listener this test holds, missing module,
 * syntax error, constructor throws, `start` code raises). `--exit-when-ready` exits 1 at
 * the failure naming the app; a long run keeps going, `jaffle status --json` shows each
 * app failed with its reason, and fixing saves bring every app to running.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { test, type TestContext } from "node:test";
import type { RuntimeStatus } from "../../src/runtime/status.js";
import { freePort, needsPython, runJaffle, startJaffle, waitFor, nth, defined } from "../helpers/index.js";
import { linesOf, NODE_KERNEL, project, PYTHON_KERNEL } from "./support.js";

/** A real listener on 127.0.0.1:port, closed when the test ends (or by calling release). */
async function holdPort(t: TestContext, port: number): Promise<{ release(): Promise<void> }> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    await new Promise((resolve) => server.close(resolve));
  };
  t.after(release);
  return { release };
}

interface FailureKind {
  /** The app's name (also the kind). */
  app: string;
  /** Files of the broken project, and what the fixing save writes. */
  broken: Record<string, string>;
  fixed: Record<string, string>;
  /** app_class option and start code, given the app's port. */
  appClass: string;
  start: (app: string) => string;
  /** The one-line reason the status file and the failure line must show. */
  reason: RegExp;
  /** The port is taken by the test's own listener. */
  holdsPort?: boolean;
}

interface KernelCase {
  kernel: string;
  block: string;
  /** The good server module (listens on argv --port=N) and where it lives. */
  serverFile: string;
  serverSource: string;
  extraFiles: Record<string, string>;
  kinds: FailureKind[];
  /** Test options: skip (or, in CI, fail) without the Python packages it needs. */
  needs: () => object;
}

const NODE_SERVER = `import { createServer, type Server } from "node:http";
export class Api {
  server: Server | undefined;
  constructor(private argv: string[]) {}
  start() {
    const port = Number(this.argv.find((a) => a.startsWith("--port="))!.slice(7));
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

const NODE: KernelCase = {
  kernel: "Node",
  block: NODE_KERNEL,
  serverFile: "src/server.ts",
  serverSource: NODE_SERVER,
  extraFiles: {},
  needs: () => ({}),
  kinds: [
    {
      app: "port",
      broken: {},
      fixed: {},
      appClass: "./src/server.ts#Api",
      start: (app) => `await ${app}.start()`,
      reason: /^listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/,
      holdsPort: true,
    },
    {
      app: "missing",
      broken: {},
      fixed: { "src/missing.ts": NODE_SERVER },
      appClass: "./src/missing.ts#Api",
      start: (app) => `await ${app}.start()`,
      reason: /^Cannot find module '\.\/src\/missing\.ts' imported from \.\/$/,
    },
    {
      app: "syntax",
      broken: { "src/syntax.ts": "export class Api {\n  start( {\n}\n" },
      fixed: { "src/syntax.ts": NODE_SERVER },
      appClass: "./src/syntax.ts#Api",
      start: (app) => `await ${app}.start()`,
      reason: /^SyntaxError: .+ \(src\/syntax\.ts:\d+:\d+\)$/,
    },
    {
      app: "ctor",
      broken: {
        "src/ctor.ts": `export class Api {\n  constructor() {\n    throw new Error("no port configured");\n  }\n  start() {}\n}\n`,
      },
      fixed: { "src/ctor.ts": NODE_SERVER },
      appClass: "./src/ctor.ts#Api",
      start: (app) => `await ${app}.start()`,
      reason: /^no port configured \(src\/ctor\.ts(:\d+:\d+)?\)$/,
    },
    {
      app: "startcode",
      broken: { "src/check.cjs": `throw new Error("not configured yet");\n` },
      fixed: { "src/check.cjs": `module.exports = true;\n` },
      appClass: "./src/server.ts#Api",
      start: (app) => `require(process.cwd() + "/src/check.cjs"); await ${app}.start()`,
      reason: /^start code: Error: not configured yet$/,
    },
  ],
};

const PY_SERVER = `import tornado.web


class Main(tornado.web.RequestHandler):
    def get(self):
        self.write("ok")


class App:
    def __init__(self, argv):
        self.port = int([a for a in argv if a.startswith("--port=")][0][7:])

    def start(self):
        self.server = tornado.web.Application([("/", Main)]).listen(self.port, "127.0.0.1")

    def stop(self):
        self.server.stop()
`;

const PYTHON: KernelCase = {
  kernel: "Python",
  block: PYTHON_KERNEL,
  serverFile: "pkg/server.py",
  serverSource: PY_SERVER,
  extraFiles: { "pkg/__init__.py": "" },
  needs: () => needsPython("python3-tornado"),
  kinds: [
    {
      app: "port",
      broken: {},
      fixed: {},
      appClass: "pkg.server.App",
      start: (app) => `${app}.start()`,
      reason: /^OSError: \[Errno 98\] Address already in use \(pkg\/server\.py:\d+\)$/,
      holdsPort: true,
    },
    {
      app: "missing",
      broken: {},
      fixed: { "pkg/missing.py": PY_SERVER },
      appClass: "pkg.missing.App",
      start: (app) => `${app}.start()`,
      reason: /^ModuleNotFoundError: No module named 'pkg\.missing'$/,
    },
    {
      app: "syntax",
      broken: { "pkg/syntax.py": "class App:\n    def __init__(self, argv)\n        pass\n" },
      fixed: { "pkg/syntax.py": PY_SERVER },
      appClass: "pkg.syntax.App",
      start: (app) => `${app}.start()`,
      reason: /^SyntaxError: .+ \(pkg\/syntax\.py:2\)$/,
    },
    {
      app: "ctor",
      broken: {
        "pkg/ctor.py": `class App:\n    def __init__(self, argv):\n        raise ValueError("no port configured")\n`,
      },
      fixed: { "pkg/ctor.py": PY_SERVER },
      appClass: "pkg.ctor.App",
      start: (app) => `${app}.start()`,
      reason: /^ValueError: no port configured \(pkg\/ctor\.py:3\)$/,
    },
    {
      app: "startcode",
      broken: { "checks.py": `raise RuntimeError("not configured yet")\n` },
      fixed: { "checks.py": `OK = True\n` },
      appClass: "pkg.server.App",
      start: (app) => `import checks; ${app}.start()`,
      reason: /^start code: RuntimeError: not configured yet \(checks\.py:1\)$/,
    },
  ],
};

function appBlock(kind: FailureKind, port: number): string {
  return `app "${kind.app}" {
  class  = "ServerBridgeApp"
  kernel = "k"
  start  = ${JSON.stringify(kind.start(kind.app))}
  options {
    app_class = "${kind.appClass}"
    argv      = ["--port=${port}"]
  }
}
`;
}

function writeAll(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

function baseFiles(k: KernelCase): Record<string, string> {
  return { [k.serverFile]: k.serverSource, ...k.extraFiles };
}

function projectWithDirs(t: TestContext, config: string, files: Record<string, string>): string {
  const dir = project(t, config);
  writeAll(dir, files);
  return dir;
}

for (const k of [NODE, PYTHON]) {
  for (const kind of k.kinds) {
    test(
      `--exit-when-ready exits 1 at the failure (${k.kernel} kernel, ${kind.app}), naming the app`,
      { timeout: 240_000, ...k.needs() },
      async (t) => {
        const port = await freePort();
        if (kind.holdsPort) await holdPort(t, port);
        // A process that never gets ready: without the exit at the first failure the run
        // would wait for the 600 s ready timeout, far past this test's own timeout.
        const config = `kernel "k" { ${k.block} }
${appBlock(kind, port)}
process "never" {
  command = "sleep 600"
  ready { log_regex = "never printed" }
}
`;
        const dir = projectWithDirs(t, config, { ...baseFiles(k), ...kind.broken });
        const run = await runJaffle(["start", "--exit-when-ready", "--no-color", "--ready-timeout", "600"], {
          cwd: dir,
          timeoutMs: 200_000,
        });
        assert.equal(run.code, 1, run.stdout + run.stderr);
        const failure = linesOf(run.stdout, "jaffle").find((line) => line.startsWith(`app ${kind.app} failed: `));
        assert.ok(failure, run.stdout);
        assert.match(failure.slice(`app ${kind.app} failed: `.length), kind.reason);
        assert.match(run.stdout, /jaffle E --exit-when-ready: 1 failure; exiting 1$/m);
        assert.doesNotMatch(run.stdout, / jaffle I ready in /);
        // The app's own log: the error first (at error), internal frames folded.
        const appLines = linesOf(run.stdout, kind.app);
        assert.ok(
          appLines.some((line) => /^(start|restart) failed: /.test(line)),
          `the app logs its failure:\n${run.stdout}`,
        );
        assert.match(run.stdout, new RegExp(` ${kind.app} E start failed: `));
        assert.doesNotMatch(run.stdout, new RegExp(` ${kind.app} I (false|False)$`, "m"), "no start value at info");
      },
    );
  }

  test(
    `a long run keeps going after failed starts; status shows why; fixing saves bring each app to running (${k.kernel} kernel)`,
    { timeout: 300_000, ...k.needs() },
    async (t) => {
      const ports = await Promise.all(k.kinds.map(() => freePort()));
      const held = await Promise.all(
        k.kinds.map((kind, i) => (kind.holdsPort ? holdPort(t, nth(ports, i)) : Promise.resolve(undefined))),
      );
      const names = k.kinds.map((kind) => kind.app);
      const config = `kernel "k" { ${k.block} }
${k.kinds.map((kind, i) => appBlock(kind, nth(ports, i))).join("")}
app "watch" {
  class  = "WatchdogApp"
  kernel = "k"
  options {
    handlers = [{
      patterns    = ["*/trigger"]
      debounce    = 0.1
      code_blocks = [${names.map((name) => JSON.stringify(`${name}.handle_watchdog_event({event})`)).join(", ")}]
    }]
  }
}
`;
      const broken = Object.assign({}, ...k.kinds.map((kind) => kind.broken)) as Record<string, string>;
      const dir = projectWithDirs(t, config, { ...baseFiles(k), ...broken, trigger: "0" });
      const jaffle = startJaffle(t, ["start", "--no-color"], { cwd: dir });
      await jaffle.waitForOutput(/jaffle E not ready after \d+\.\d\d s: 5 problems/, 180_000);

      const status = async (): Promise<RuntimeStatus> => {
        const run = await runJaffle(["status", "--json"], { cwd: dir });
        assert.equal(run.code, 0, run.stderr);
        return JSON.parse(run.stdout) as RuntimeStatus;
      };
      const failed = await status();
      for (const kind of k.kinds) {
        const app = failed.apps[kind.app];
        assert.equal(app?.state, "failed", `${kind.app}: ${JSON.stringify(app)}`);
        assert.match(app.reason!, kind.reason);
      }
      assert.equal(failed.apps.watch?.state, "running");
      assert.equal(failed.kernels.k?.state, "running", "the kernel keeps running");
      const human = await runJaffle(["status"], { cwd: dir });
      assert.match(human.stdout, /^ {2}port +k +ServerBridgeApp +failed: .+$/m);

      // The fix: the port is free again, every broken file is saved fixed; one event.
      for (const hold of held) await hold?.release();
      writeAll(dir, Object.assign({}, ...k.kinds.map((kind) => kind.fixed)) as Record<string, string>);
      writeFileSync(join(dir, "trigger"), "1");
      const fixed = await waitFor(
        async () => {
          const s = await status();
          return names.every((name) => s.apps[name]?.state === "running") ? s : undefined;
        },
        "every app running after the fixing saves",
        120_000,
      );
      for (const name of names) assert.equal(defined(fixed.apps[name], `app ${name} in the status`).reason, undefined);
      for (const port of ports) {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(await response.text(), "ok");
      }
      jaffle.child.kill("SIGTERM");
      assert.equal((await jaffle.exited).code, 0, jaffle.stdout());
    },
  );
}

/** The whole message of the first log line of `source` at `level` that starts with `start`, continuation lines included. */
function messageOf(output: string, source: string, level: string, start: string): string | undefined {
  const lines = output.split("\n");
  const head = new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +${source} ${level} `);
  const at = lines.findIndex((line) => head.test(line) && line.replace(head, "").startsWith(start));
  const first = lines[at];
  if (first === undefined) return undefined;
  const indent = first.match(head)![0].length;
  const message = [first.slice(indent)];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith(" ".repeat(indent))) break;
    message.push(line.slice(indent));
  }
  return message.join("\n");
}

test(
  "the start code raises in ipykernel: the error and the user's file:line first, then the user's frames, the internal ones folded",
  { timeout: 240_000, ...PYTHON.needs() },
  async (t) => {
    const config = `kernel "k" { ${PYTHON_KERNEL} }
app "startcode" {
  class  = "ServerBridgeApp"
  kernel = "k"
  start  = "import checks; startcode.start(); 'the start value'"
  options {
    app_class = "pkg.server.App"
    argv      = ["--port=${await freePort()}"]
  }
}
`;
    const checks = `def helper():\n    raise RuntimeError("not configured yet")\n\n\nhelper()\n`;
    const dir = projectWithDirs(t, config, { ...baseFiles(PYTHON), "checks.py": checks });
    const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir, timeoutMs: 200_000 });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = messageOf(run.stdout, "startcode", "E", "start failed: ");
    assert.ok(report, run.stdout);
    const lines = report.split("\n");
    assert.deepEqual(lines.slice(0, -1), [
      "start failed: start code: RuntimeError: not configured yet (checks.py:2)",
      '  File "checks.py", line 5, in <module>',
      "    helper()",
      '  File "checks.py", line 2, in helper',
      '    raise RuntimeError("not configured yet")',
    ]);
    // IPython's run_code and the cell itself at least.
    assert.match(lines.at(-1)!, /^ {2}\((\d+) internal frames hidden; --debug shows them\)$/);
    assert.ok(Number(/\d+/.exec(lines.at(-1)!)![0]) >= 2);
    // That is the app's only error line: IPython's own traceback is not logged at error.
    assert.deepEqual(
      run.stdout.split("\n").filter((line) => / startcode E /.test(line)),
      [run.stdout.split("\n").find((line) => / startcode E start failed: /.test(line))],
    );
    assert.doesNotMatch(run.stdout, /Traceback|interactiveshell|Cell In/);
    assert.match(
      run.stdout,
      /jaffle E app startcode failed: start code: RuntimeError: not configured yet \(checks\.py:2\)$/m,
    );

    // --debug shows what was folded: IPython's traceback and the whole one.
    const debug = await runJaffle(["start", "--exit-when-ready", "--no-color", "--debug"], {
      cwd: dir,
      timeoutMs: 200_000,
    });
    assert.equal(debug.code, 1, debug.stdout + debug.stderr);
    const whole = messageOf(debug.stdout, "startcode", "D", "the whole traceback:");
    assert.ok(whole, debug.stdout);
    assert.match(whole, /interactiveshell\.py/);
    assert.match(whole, /checks\.py", line 2, in helper/);

    // Fixed: the start code's value is not something the app said (debug, not info).
    writeFileSync(join(dir, "checks.py"), "OK = True\n");
    const fixed = await runJaffle(["start", "--exit-when-ready", "--no-color", "--debug"], {
      cwd: dir,
      timeoutMs: 200_000,
    });
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, / startcode D 'the start value'$/m);
    assert.doesNotMatch(fixed.stdout, / startcode [CEWI] .*the start value/);
  },
);

test("the start code raises in the Node kernel: one error entry, the user's error and frames, none of the kernel's", async (t) => {
  const config = `kernel "k" { ${NODE_KERNEL} }
app "startcode" {
  class  = "./plain.ts#Plain"
  kernel = "k"
  start  = "function helper() { throw new Error('not configured yet'); }\\nhelper()"
}
`;
  const dir = projectWithDirs(t, config, { "plain.ts": "export class Plain { constructor(_context: unknown) {} }\n" });
  const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir, timeoutMs: 200_000 });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const report = messageOf(run.stdout, "startcode", "E", "start failed: ");
  assert.ok(report, run.stdout);
  const lines = report.split("\n");
  assert.equal(lines[0], "start failed: start code: Error: not configured yet");
  // The user's frames, in the cell, and nothing of the kernel's executor or of node:vm.
  assert.ok(lines.length >= 3, report);
  for (const frame of lines.slice(1)) assert.match(frame, /^\s+at (helper \()?<cell \d+>:\d+:\d+\)?$/, report);
  // That is the app's only error entry: the cell's traceback is not logged on its own too.
  assert.deepEqual(
    run.stdout.split("\n").filter((line) => / startcode E /.test(line)),
    [run.stdout.split("\n").find((line) => / startcode E start failed: /.test(line))],
  );
});
