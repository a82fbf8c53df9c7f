/**
 * `jaffle stop`: ends the jaffle running in this directory (SIGTERM, then waits until
 * it has exited) or removes what a dead one left behind, and says which it did.
 *
 * Exit status: 0 when, afterwards, no jaffle runs here (also when none ran: stopping
 * is idempotent, like `systemctl stop`, so scripts can call it unconditionally);
 * 1 only when the supervisor could not be ended.
 */
import { isGroupAlive, waitForGroupsExit } from "../../process/groups.js";
import { pollUntil } from "../../process/poll.js";
import { isJaffleRunning } from "../../runtime/pid.js";
import { inspectRuntimeDir, removeRuntimeFiles, resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import { readStatus } from "../../runtime/status.js";
import type { JaffleCommand } from "../main.js";
import { UserError } from "../errors.js";

export interface StopArgs {
  "runtime-dir"?: string;
  timeout: number;
}

function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  return pollUntil(done, { timeoutMs, intervalMs: 50 });
}

export const stopCommand: JaffleCommand<StopArgs> = {
  command: "stop",
  describe: "Stop the jaffle running in this directory, or clean up after one that died",
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of that jaffle (default .jaffle)" },
    timeout: {
      type: "number",
      default: 30,
      describe: "Seconds to wait for a clean shutdown before killing the supervisor",
    },
  },
  run: async (args) => {
    if (!Number.isFinite(args.timeout) || args.timeout <= 0) {
      throw new UserError(`--timeout must be a positive number of seconds, got ${String(args.timeout)}`);
    }
    const dir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    const found = inspectRuntimeDir(dir);
    if (found.kind === "none") {
      process.stdout.write(`no jaffle is running here (nothing in ${dir})\n`);
      return 0;
    }
    if (found.kind === "stale") {
      removeRuntimeFiles(dir);
      const who = found.pid ? ` (pid ${found.pid})` : "";
      process.stdout.write(`jaffle${who} is not running; removed its stale runtime files from ${dir}\n`);
      return 0;
    }
    const { pid } = found;
    // Read now: a supervisor that shuts down cleanly removes the file.
    const status = readStatus(dir);
    const started = Date.now();
    // Asked over the control socket when it answers; a supervisor without one (its
    // socket is gone, or it is still starting) gets SIGTERM, which means the same.
    const { NoControlSocket, request } = await import("../../control/client.js");
    try {
      await request(dir, { command: "stop" });
    } catch (error) {
      if (!(error instanceof NoControlSocket)) throw error;
      process.kill(pid, "SIGTERM");
    }
    if (await waitUntil(() => !isJaffleRunning(pid), args.timeout * 1000)) {
      process.stdout.write(`stopped jaffle (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return 0;
    }
    // It did not finish its shutdown: kill it. Its reaper (a separate process that
    // notices the supervisor is gone) then ends every group it had started.
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* it exited just now */
    }
    await waitUntil(() => !isJaffleRunning(pid), 5_000);
    const pids = [
      ...Object.values(status?.kernels ?? {}).map((kernel) => kernel.pid),
      ...Object.values(status?.processes ?? {}).flatMap((proc) => (proc.pid ? [proc.pid] : [])),
    ];
    const groupsGone = await waitForGroupsExit(pids, 10_000);
    removeRuntimeFiles(dir);
    if (isJaffleRunning(pid)) {
      process.stderr.write(`jaffle: could not stop jaffle (pid ${pid})\n`);
      return 1;
    }
    process.stdout.write(
      `jaffle (pid ${pid}) did not shut down within ${args.timeout} s; killed it` +
        (groupsGone
          ? " (its kernels and processes are gone too)"
          : ` (still running: ${pids.filter(isGroupAlive).join(", ")})`) +
        "\n",
    );
    return groupsGone ? 0 : 1;
  },
};
