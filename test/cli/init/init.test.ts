/**
 * `jaffle init` in each kind of project, then `jaffle config` and `jaffle start
 * --exit-when-ready` on exactly what it wrote; it never overwrites.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, needsPython, repoRoot, runJaffle, tempDir } from "../../helpers/index.js";
import { writeFiles } from "../../package/support.js";

const NODE_SERVER = `import { createServer, type Server as HttpServer } from "node:http";

export class Server {
  server: HttpServer | undefined;
  readonly port: number;
  constructor(argv: string[]) {
    this.port = Number(argv.find((a) => a.startsWith("--port="))?.slice(7) ?? 8080);
  }
  start(): Promise<void> {
    this.server = createServer((_req, res) => res.end("hello\\n"));
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
  }
  stop(): void {
    this.server?.close();
  }
}
`;

/** init, then the written file must load (`jaffle config`) and start to ready (exit 0). */
async function initAndStart(dir: string, args: string[]): Promise<string> {
  const init = await runJaffle(["init", ...args], { cwd: dir });
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const config = await runJaffle(["config"], { cwd: dir });
  assert.equal(config.code, 0, config.stderr);
  const start = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir, timeoutMs: 180_000 });
  assert.equal(start.code, 0, start.stdout + start.stderr);
  assert.match(start.stdout, /jaffle I ready in /);
  return init.stdout;
}

test(
  "a TypeScript project: a server bridge on the Node kernel for --app, a watchdog, a typecheck job",
  { timeout: 240_000 },
  async (t) => {
    const dir = tempDir(t, "jaffle-init-node-");
    const port = await freePort();
    writeFiles(dir, {
      "package.json": JSON.stringify({ name: "web", version: "1.0.0", devDependencies: { typescript: "^6.0.0" } }),
      "tsconfig.json": "{}\n",
      "src/server.ts": NODE_SERVER,
    });
    const said = await initAndStart(dir, ["--app", "./src/server.ts#Server", "--port", String(port)]);
    assert.match(said, /wrote jaffle\.hcl: a TypeScript server in the Node\.js kernel/);
    const hcl = readFileSync(join(dir, "jaffle.hcl"), "utf8");
    assert.match(hcl, /class {2}= "ServerBridgeApp"/);
    assert.match(hcl, /app_class = "\.\/src\/server\.ts#Server"/);
    assert.match(hcl, /class {2}= "WatchdogApp"/);
    assert.match(hcl, /job "typecheck" \{\n {2}command = "npx --no-install tsc --noEmit"/);
    assert.match(hcl, new RegExp(`url = "http://127.0.0.1:${port}/"`));
  },
);

test("a TypeScript project without --app: the exported class with start() is found", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, "jaffle-init-guess-");
  writeFiles(dir, { "package.json": "{}\n", "src/util.ts": "export const x = 1;\n", "src/server.ts": NODE_SERVER });
  const init = await runJaffle(["init"], { cwd: dir });
  assert.equal(init.code, 0, init.stderr);
  assert.match(readFileSync(join(dir, "jaffle.hcl"), "utf8"), /app_class = "\.\/src\/server\.ts#Server"/);
});

test(
  "a Python package using Tornado: the Tornado bridge in a python3 kernel",
  { timeout: 240_000, ...needsPython("python3-tornado") },
  async (t) => {
    const dir = tempDir(t, "jaffle-init-py-");
    cpSync(join(repoRoot, "examples", "tornado", "my_module"), join(dir, "my_module"), { recursive: true });
    writeFileSync(join(dir, "requirements.txt"), "tornado>=6\n");
    const said = await initAndStart(dir, ["--port", String(await freePort())]);
    assert.match(said, /a Tornado application in a Python kernel/);
    const hcl = readFileSync(join(dir, "jaffle.hcl"), "utf8");
    assert.match(hcl, /kernel_name = "python3"/);
    assert.match(hcl, /app_class {3}= "my_module\.app\.ExampleApp"/);
    assert.match(hcl, /clear_cache = \["my_module"\]/);
  },
);

test(
  "any other project: every block commented around one kernel; never overwrites",
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t, "jaffle-init-plain-");
    writeFileSync(join(dir, "notes.txt"), "no code here\n");
    const said = await initAndStart(dir, []);
    assert.match(said, /every block commented out/);
    const hcl = readFileSync(join(dir, "jaffle.hcl"), "utf8");
    for (const block of ["variable", "kernel", "app", "process", "job", "logger"]) {
      assert.match(hcl, new RegExp(`^# ${block} `, "m"), `a commented ${block} block`);
    }
    // Uncommented, the reference is a valid configuration too.
    writeFileSync(
      join(dir, "all.hcl"),
      hcl.replace(/^# ((?:variable|kernel|app|process|job|logger| {2}|\}).*)$/gm, "$1"),
    );
    const all = await runJaffle(["config", "all.hcl"], { cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(Object.keys(JSON.parse(all.stdout).process as object), ["compiler"]);

    const again = await runJaffle(["init"], { cwd: dir });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "jaffle: jaffle.hcl already exists; jaffle init never overwrites it\n");
    assert.equal(readFileSync(join(dir, "jaffle.hcl"), "utf8"), hcl);
  },
);

test("a TypeScript project with no server class: one line naming --app", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, "jaffle-init-none-");
  writeFiles(dir, { "package.json": "{}\n", "src/util.ts": "export const x = 1;\n" });
  const init = await runJaffle(["init"], { cwd: dir });
  assert.equal(init.code, 1);
  assert.match(
    init.stderr,
    /^jaffle: no exported class with a start\(\) method found: name your server class with --app/,
  );
});
