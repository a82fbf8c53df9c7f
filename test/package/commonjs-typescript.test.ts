/**
 * A `.ts` module's named exports in both package types (`"type": "commonjs"` is npm's
 * default): through import() and require() in the built-in Node kernel, and as the
 * server bridge's `app_class`, in a real `jaffle start --exit-when-ready`.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, runJaffle, tempDir } from "../helpers/index.js";

const SERVER = `import { createServer, type Server } from "node:http";

export const greeting: string = "hello from a TypeScript class";

export class ApiServer {
  server: Server | undefined;
  constructor(private readonly argv: string[]) {}
  start(): Promise<void> {
    const port = Number(this.argv[0]);
    this.server = createServer((_req, res) => res.end(greeting));
    return new Promise((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
  }
  stop(): void {
    this.server?.close();
  }
}
`;

/** Start code run in the kernel: both ways of loading the module, named exports checked. */
const PROBE = [
  "await api.start()",
  'const viaImport = await import("./src/server.ts")',
  'const viaRequire = require("./src/server.ts")',
  'if (typeof viaImport.ApiServer !== "function") throw new Error("import(): no ApiServer, only " + Object.keys(viaImport))',
  'if (typeof viaRequire.ApiServer !== "function") throw new Error("require(): no ApiServer, only " + Object.keys(viaRequire))',
  'console.log("named exports: " + viaImport.greeting + " / " + viaRequire.greeting)',
].join("; ");

for (const type of ["commonjs", "module"]) {
  test(
    `"type": "${type}": the kernel's import() and require() and the bridge's app_class see named exports`,
    {
      timeout: 180_000,
    },
    async (t) => {
      const dir = tempDir(t, "jaffle-cjs-ts-");
      const port = await freePort();
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "probe", version: "1.0.0", type }));
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "server.ts"), SERVER);
      writeFileSync(
        join(dir, "jaffle.hcl"),
        `kernel "web" {}
app "api" {
  class  = "ServerBridgeApp"
  kernel = "web"
  start  = ${JSON.stringify(PROBE)}
  options {
    app_class = "./src/server.ts#ApiServer"
    argv      = ["${port}"]
  }
  ready { url = "http://127.0.0.1:${port}/" }
}
`,
      );
      const run = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        /api\s+I named exports: hello from a TypeScript class \/ hello from a TypeScript class$/m,
      );
      assert.match(run.stdout, /ready in/);
    },
  );
}
