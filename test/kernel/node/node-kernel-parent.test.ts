/**
 * A Node kernel whose launcher dies (SIGKILL, no shutdown_request, no reaper) ends by
 * itself, as ipykernel does through JPY_PARENT_PID.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { isAlive, repoRoot, tempDir, waitFor } from "../../helpers/index.js";

test("the kernel exits once the process that launched it is killed", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const launcher = pathToFileURL(join(repoRoot, "dist", "src", "kernel", "launcher.js")).href;
  const script = `
    import { launchKernel } from ${JSON.stringify(launcher)};
    const logger = { name: "k", log() {}, critical() {}, error() {}, warning() {}, info() {}, debug() {} };
    const kernel = await launchKernel({ name: "orphan", runtimeDir: ${JSON.stringify(dir)}, cwd: ${JSON.stringify(dir)}, passEnv: [], env: {}, logger });
    process.stdout.write("kernel pid " + kernel.pid + "\\n");
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  parent.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const pid = Number((await waitFor(() => /kernel pid (\d+)/.exec(out), "the kernel's pid", 90_000))[1]);
  t.after(() => {
    // Only if the assertion below failed: do not leave the kernel running.
    if (isAlive(pid)) process.kill(-pid, "SIGKILL");
  });

  parent.kill("SIGKILL");
  await waitFor(() => !isAlive(pid), `kernel ${pid} to exit after its parent was killed`, 30_000);
});
