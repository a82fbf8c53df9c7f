/**
 * A Node kernel whose launcher dies (SIGKILL, no shutdown_request, no reaper) ends by
 * itself, as ipykernel does through JPY_PARENT_PID, also when the launcher died while the
 * kernel was still starting.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { newConnectionInfo, writeConnectionFile } from "../../../src/kernel/connection.js";
import { isAlive, jaffleBin, repoRoot, tempDir, waitFor } from "../../helpers/index.js";

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

test("a kernel whose parent died while it was still starting ends once it is up", { timeout: 120_000 }, async (t) => {
  // The parent spawns the kernel and exits at once: when the kernel starts its watch
  // (after it listens), the process JPY_PARENT_PID names is already gone.
  const dir = tempDir(t);
  const file = join(dir, "kernel.json");
  await writeConnectionFile(file, await newConnectionInfo("jaffle-node"));
  const script = `
    const { spawn } = require("node:child_process");
    const kernel = spawn(process.execPath, [${JSON.stringify(jaffleBin)}, "kernel", "--connection-file", ${JSON.stringify(file)}], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, JPY_PARENT_PID: String(process.pid) },
    });
    process.stdout.write("kernel pid " + kernel.pid + "\\n", () => process.exit(0));
  `;
  const parent = spawn(process.execPath, ["-e", script], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  parent.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const pid = Number((await waitFor(() => /kernel pid (\d+)/.exec(out), "the kernel's pid", 90_000))[1]);
  t.after(() => {
    if (isAlive(pid)) process.kill(-pid, "SIGKILL");
  });
  await waitFor(() => !isAlive(pid), `kernel ${pid} to exit, its parent gone before its watch began`, 60_000);
});
