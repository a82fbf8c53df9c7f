/**
 * The Node server bridge's runtime in this (plain Node) process: real HTTP servers from
 * the fixture's TypeScript class, real file edits, keep-alive connections, both modes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { Agent, createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { once } from "node:events";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { createBridge, type BridgeHandle } from "../../../src/apps/server-bridge/node-runtime.js";
import { fixturesDir, freePort, tempDir } from "../../helpers/index.js";

function fetchText(port: number, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

/**
 * Resolves once every idle pooled connection of `agent` is closed. A restart closes them
 * from the server's side; a request sent on one before the client has seen it close
 * fails with ECONNRESET, a race of HTTP keep-alive itself (browsers retry such a request,
 * Node's Agent does not), so the test waits for what it asserts: the old connections end.
 */
async function idleConnectionsClosed(agent: Agent): Promise<void> {
  const idle = Object.values(agent.freeSockets).flatMap((sockets) => sockets ?? []);
  await Promise.all(idle.map((socket) => (socket.destroyed ? undefined : once(socket, "close"))));
}

function project(t: TestContext): string {
  const dir = tempDir(t);
  cpSync(join(fixturesDir, "apps", "node_app"), dir, { recursive: true });
  return dir;
}

function bridge(t: TestContext, dir: string, port: number, threaded: boolean): BridgeHandle {
  const handle = createBridge({
    name: "web",
    appClass: "./src/app.ts#ExampleApp",
    argv: [`--port=${port}`],
    projectDir: dir,
    threaded,
  });
  t.after(() => handle.stop());
  return handle;
}

const setMessage = (dir: string, text: string) =>
  writeFileSync(join(dir, "src", "message.ts"), `export const message: string = ${JSON.stringify(text)};\n`);

for (const threaded of [false, true]) {
  const mode = threaded ? "threaded" : "non-threaded";

  test(
    `${mode}: restart serves the edited ES module, keep-alive connections included`,
    { timeout: 60_000 },
    async (t) => {
      const dir = project(t);
      const port = await freePort();
      const web = bridge(t, dir, port, threaded);
      assert.equal(await web.start(), undefined);
      const agent = new Agent({ keepAlive: true });
      t.after(() => agent.destroy());
      assert.equal(await fetchText(port, agent), "hello v1");
      for (let i = 2; i <= 4; i++) {
        setMessage(dir, `hello v${i}`);
        assert.equal(await web.restart(), undefined);
        await idleConnectionsClosed(agent);
        assert.equal(await fetchText(port, agent), `hello v${i}`);
      }
      if (!threaded) {
        assert.ok(web.app, "the live app instance is published");
        assert.equal(typeof (web.server as { listen?: unknown }).listen, "function", "the live server is published");
      } else {
        assert.ok(web.worker, "the worker is published");
      }
      assert.deepEqual(web.addresses, [`127.0.0.1:${port}`]);
    },
  );

  test(
    `${mode}: each restart's line says where its time went (what npm run bench breaks a restart down by)`,
    { timeout: 60_000 },
    async (t) => {
      const dir = project(t);
      const port = await freePort();
      const web = bridge(t, dir, port, threaded);
      assert.equal(await web.start(), undefined);
      const written: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        written.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof process.stdout.write;
      try {
        // Two saves in a row: the second restart is queued behind the first.
        setMessage(dir, "burst 1");
        const first = web.restart();
        setMessage(dir, "burst 2");
        const second = web.restart();
        assert.deepEqual(await Promise.all([first, second]), [undefined, undefined]);
      } finally {
        process.stdout.write = write;
      }
      assert.equal(await fetchText(port), "burst 2");
      const phases = threaded
        ? /^\[web\] restarted on 127\.0\.0\.1:\d+ in [\d.]+ ms \(stop [\d.]+, worker boot wait [\d.]+, evict [\d.]+, load [\d.]+, listen [\d.]+\)\n$/
        : /^\[web\] restarted on 127\.0\.0\.1:\d+ in [\d.]+ ms \(stop [\d.]+, evict [\d.]+, load [\d.]+, listen [\d.]+\)\n$/;
      const lines = written.filter((line) => line.startsWith("[web] restarted"));
      assert.equal(lines.length, 2, written.join(""));
      for (const line of lines) assert.match(line, phases);
    },
  );

  test(
    `${mode}: a broken save logs its error, keeps the process alive, and the next save recovers`,
    { timeout: 60_000 },
    async (t) => {
      const dir = project(t);
      const port = await freePort();
      const web = bridge(t, dir, port, threaded);
      assert.equal(await web.start(), undefined);
      writeFileSync(join(dir, "src", "message.ts"), "export const message: string = ;\n");
      assert.equal(await web.restart(), false);
      assert.match(web.lastError ?? "", /message\.ts/);
      assert.equal(web.running, false);
      await assert.rejects(fetchText(port), "the old server is gone, not serving stale code");
      setMessage(dir, "recovered");
      assert.equal(await web.restart(), undefined);
      assert.equal(await fetchText(port), "recovered");
    },
  );

  test(
    `${mode}: a port in use fails the start; the next restart succeeds once it is free`,
    { timeout: 60_000 },
    async (t) => {
      const dir = project(t);
      const blocker = createServer().listen(0, "127.0.0.1");
      await new Promise((resolve) => blocker.once("listening", resolve));
      const { port } = blocker.address() as AddressInfo;
      const web = bridge(t, dir, port, threaded);
      assert.equal(await web.start(), false);
      assert.match(web.lastError ?? "", /EADDRINUSE/);
      await new Promise((resolve) => blocker.close(resolve));
      assert.equal(await web.restart(), undefined);
      assert.equal(await fetchText(port), "hello v1");
    },
  );
}

test("a constructor exception is reported with its stack", { timeout: 60_000 }, async (t) => {
  const dir = project(t);
  writeFileSync(
    join(dir, "src", "bad.ts"),
    "export class Bad { constructor() { throw new Error('no config'); } start() {} }\n",
  );
  const web = createBridge({ name: "bad", appClass: "./src/bad.ts#Bad", argv: [], projectDir: dir, threaded: false });
  assert.equal(await web.start(), false);
  // The report: the user's error and file first, then the user's own frames only.
  assert.match(web.lastError ?? "", /^no config \(src\/bad\.ts:1:\d+\)\n {4}at new Bad \(src\/bad\.ts:1:\d+\)\n/);
  assert.match(web.lastError ?? "", /\(\d+ internal frames hidden; --debug shows them\)$/);
  const missing = createBridge({
    name: "missing",
    appClass: "./src/app.ts#Nope",
    argv: [],
    projectDir: dir,
    threaded: false,
  });
  assert.equal(await missing.start(), false);
  assert.match(missing.lastError ?? "", /no class export "Nope"/);
});

test(
  "a stop() that waits for server.close() is not held up by idle keep-alive connections",
  { timeout: 30_000 },
  async (t) => {
    const dir = project(t);
    writeFileSync(
      join(dir, "src", "waiting.ts"),
      `import { createServer, type Server } from "node:http";
import { message } from "./message.js";
export class WaitingApp {
  server: Server | undefined;
  constructor(private readonly argv: string[]) {}
  start(): Promise<void> {
    this.server = createServer((_req, res) => res.end(message));
    // Idle connections would keep close() waiting for two minutes.
    this.server.keepAliveTimeout = 120_000;
    return new Promise((resolve) => this.server!.listen(Number(this.argv[0]), "127.0.0.1", () => resolve()));
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}
`,
    );
    const port = await freePort();
    const web = createBridge({
      name: "waiting",
      appClass: "./src/waiting.ts#WaitingApp",
      argv: [String(port)],
      projectDir: dir,
      threaded: false,
    });
    t.after(() => web.stop());
    assert.equal(await web.start(), undefined);
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    assert.equal(await fetchText(port, agent), "hello v1");
    setMessage(dir, "after restart");
    assert.equal(await web.restart(), undefined);
    await idleConnectionsClosed(agent);
    assert.equal(await fetchText(port, agent), "after restart");
  },
);

/** A JavaScript server class whose response comes from `message` (a .js or a .ts module). */
function javascriptProject(t: TestContext, message: { file: string; text: string }): string {
  const dir = tempDir(t);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(dir, message.file), message.text);
  writeFileSync(
    join(dir, "app.mjs"),
    `import { createServer } from "node:http";
import { message } from "./${message.file}";
export class App {
  constructor(argv) { this.port = Number(argv[0].slice("--port=".length)); }
  start() {
    this.server = createServer((_req, res) => res.end(message));
    return new Promise((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }
  stop() { this.server?.close(); }
}
`,
  );
  return dir;
}

// Its first start goes through Node's own loader, or, when the graph holds a TypeScript
// file, through tsx at once; either way each restart serves the edited code.
for (const message of [
  { file: "message.js", declaration: "export const message =", how: "starts through Node's own loader" },
  { file: "message.ts", declaration: "export const message: string =", how: "importing a TypeScript file starts" },
]) {
  test(`a JavaScript app ${message.how}, and a restart serves the edited code`, { timeout: 60_000 }, async (t) => {
    const write = (text: string) => `${message.declaration} ${JSON.stringify(text)};\n`;
    const dir = javascriptProject(t, { file: message.file, text: write("v1") });
    const port = await freePort();
    const web = createBridge({
      name: "web",
      appClass: "./app.mjs#App",
      argv: [`--port=${port}`],
      projectDir: dir,
      threaded: false,
    });
    t.after(() => web.stop());
    assert.equal(await web.start(), undefined);
    assert.equal(await fetchText(port), "v1");
    for (const version of ["v2", "v3"]) {
      writeFileSync(join(dir, message.file), write(version));
      assert.equal(await web.restart(), undefined);
      assert.equal(await fetchText(port), version);
    }
  });
}

test(
  "non-threaded: a restart reloads the project's modules, those a package imports too, and keeps packages loaded",
  { timeout: 60_000 },
  async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    // A framework as a package: evaluated once per module instance, it imports the
    // project's route file by URL, as routers and plugin loaders do.
    const framework = join(dir, "node_modules", "fake-framework");
    mkdirSync(framework, { recursive: true });
    writeFileSync(
      join(framework, "package.json"),
      '{ "name": "fake-framework", "type": "module", "main": "index.js" }\n',
    );
    writeFileSync(
      join(framework, "index.js"),
      "globalThis.frameworkEvaluations = (globalThis.frameworkEvaluations ?? 0) + 1;\n" +
        "export const loadRoute = (url) => import(url);\n",
    );
    const route = (text: string) => `export const text: string = ${JSON.stringify(text)};\n`;
    writeFileSync(join(dir, "route.ts"), route("route v1"));
    writeFileSync(
      join(dir, "app.ts"),
      `import { createServer, type Server } from "node:http";
import { loadRoute } from "fake-framework";
export class App {
  server: Server | undefined;
  constructor(private readonly argv: string[]) {}
  async start(): Promise<void> {
    const { text } = await loadRoute(new URL("./route.ts", import.meta.url).href);
    const evaluations = (globalThis as { frameworkEvaluations?: number }).frameworkEvaluations;
    this.server = createServer((_req, res) => res.end(\`\${text}, framework evaluated \${evaluations}x\`));
    return new Promise((resolve) => this.server!.listen(Number(this.argv[0]), "127.0.0.1", () => resolve()));
  }
  stop(): void {
    this.server?.close();
  }
}
`,
    );
    const port = await freePort();
    const web = createBridge({
      name: "web",
      appClass: "./app.ts#App",
      argv: [String(port)],
      projectDir: dir,
      threaded: false,
    });
    t.after(() => web.stop());
    assert.equal(await web.start(), undefined);
    const evaluationsBefore = (globalThis as { frameworkEvaluations?: number }).frameworkEvaluations;
    assert.equal(evaluationsBefore, 1);
    assert.equal(await fetchText(port), "route v1, framework evaluated 1x");
    for (const version of ["route v2", "route v3"]) {
      writeFileSync(join(dir, "route.ts"), route(version));
      assert.equal(await web.restart(), undefined, web.lastError);
      assert.equal(await fetchText(port), `${version}, framework evaluated 1x`);
    }
  },
);

test(
  "threaded: the workers' loader warm-up writes into a private directory that is gone when the kernel exits",
  {
    timeout: 120_000,
  },
  async (t) => {
    const dir = project(t);
    const port = await freePort();
    const runtime = new URL("../../../src/apps/server-bridge/node-runtime.js", import.meta.url).href;
    const warm = new URL("../../../src/apps/server-bridge/warm-directory.js", import.meta.url).href;
    // A kernel's life in a process of its own: start, a restart (a spare worker warmed
    // meanwhile), stop while the next spares may still be warming up, exit.
    const script = `
    import { statSync } from "node:fs";
    const { createBridge } = await import(${JSON.stringify(runtime)});
    const { warmDirectory } = await import(${JSON.stringify(warm)});
    const web = createBridge({ name: "web", appClass: "./src/app.ts#ExampleApp", argv: ["--port=${port}"], projectDir: ${JSON.stringify(dir)}, threaded: true });
    const results = [await web.start(), await web.restart(), await web.stop()];
    const where = warmDirectory();
    console.log(JSON.stringify({ results, where, mode: statSync(where).mode & 0o777 }));
    process.exit(0);
  `;
    // A file, not `-e`: workers inherit the process's flags, and `--input-type` refuses a file.
    writeFileSync(join(dir, "kernel-life.mjs"), script);
    const child = spawnSync(process.execPath, ["kernel-life.mjs"], { cwd: dir, encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    const report = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
      results: unknown[];
      where: string;
      mode: number;
    };
    assert.deepEqual(report.results, [null, null, null], "start, restart and stop worked (undefined in JSON)");
    assert.equal(report.mode, 0o700);
    assert.ok(report.where.startsWith(join(tmpdir(), "jaffle-warm-")), report.where);
    assert.equal(existsSync(report.where), false, "the warm-up directory went with the process");
  },
);
