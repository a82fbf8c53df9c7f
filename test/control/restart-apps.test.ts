/**
 * `jaffle restart` of an app (the server bridge restarts in place and serves the new
 * code) and of a kernel (a new kernel process, its apps created again in it).
 */
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir, freePort, waitFor } from "../helpers/index.js";
import { groupsOf, jaffleIn, project, startReady, statusOf, waitGroupsGone } from "./support.js";

async function served(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return response.text();
}

const setMessage = (dir: string, text: string) =>
  writeFileSync(join(dir, "src", "message.ts"), `export const message: string = ${JSON.stringify(text)};\n`);

test(
  "jaffle restart of a server app serves the new code; of a kernel, a new kernel with its apps",
  { timeout: 240_000 },
  async (t) => {
    const port = await freePort();
    const dir = project(
      t,
      `kernel "js" {}
app "web" {
  class  = "ServerBridgeApp"
  kernel = "js"
  start  = "await web.start()"
  options {
    app_class = "./src/app.ts#ExampleApp"
    argv      = ["--port=${port}"]
    ready_url = "http://127.0.0.1:${port}/"
  }
}
process "other" { command = "sleep 600" }
`,
    );
    cpSync(join(fixturesDir, "apps", "node_app"), dir, { recursive: true });
    const { jaffle, status } = await startReady(t, dir);
    assert.equal(await served(port), "hello v1");
    const kernelPid = status.kernels.js!.pid;

    setMessage(dir, "hello v2");
    const app = await jaffleIn(dir, ["restart", "web"]);
    assert.equal(app.code, 0, app.stderr);
    assert.match(app.stdout, /^restarted app web in \d+\.\d+ s\n$/);
    assert.equal(await served(port), "hello v2", "served right when restart returned");
    assert.equal(statusOf(dir)!.kernels.js!.pid, kernelPid, "an app restart keeps its kernel");

    setMessage(dir, "hello v3");
    const kernel = await jaffleIn(dir, ["restart", "js"]);
    assert.equal(kernel.code, 0, kernel.stderr);
    assert.match(
      kernel.stdout,
      new RegExp(`^restarted kernel js \\(pid ${kernelPid} -> \\d+\\) with 1 app in \\d+\\.\\d+ s\\n$`),
    );
    assert.equal(await served(port), "hello v3");
    const after = await waitFor(() => {
      const s = statusOf(dir);
      return s && s.kernels.js && s.kernels.js.pid !== kernelPid ? s : undefined;
    }, "the new kernel in the status file");
    assert.equal(after.processes.other!.pid, status.processes.other!.pid);
    assert.equal(after.kernels.js!.restarts, 0, "a restart asked for is not a crash");
    await waitGroupsGone([kernelPid], 10_000);

    // A restart that fails says why, in one line, and exits 1.
    writeFileSync(join(dir, "src", "message.ts"), "export const message: string = ;\n");
    const broken = await jaffleIn(dir, ["restart", "web"]);
    assert.equal(broken.code, 1);
    // The reason is the user's error at the user's file:line:col, not a pointer to a traceback.
    assert.match(
      broken.stderr,
      /^jaffle: app web failed: restart failed: SyntaxError: .+ \(src\/message\.ts:1:\d+\)\n$/,
    );

    const groups = groupsOf(statusOf(dir)!);
    jaffle.child.kill("SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone(groups, 5_000);
  },
);
