/**
 * Issue 11, item 9: stopping does not wait the full 5 s for a process that ignores
 * SIGTERM when told otherwise: `stop_timeout` on its block sets its own wait, and a
 * further Ctrl-C on the terminal during the shutdown goes straight to SIGKILL.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pty from "node-pty";
import { jaffleBin, waitFor } from "../helpers/index.js";
import { groupsOf, project, startReady, statusOf, waitGroupsGone } from "./support.js";

const stubborn = (extra: string) => `process "stubborn" {
  command = "sh -c 'trap \\"\\" TERM; echo up; sleep 600'"
  ${extra}
  ready {
    log_regex = "^up$"
  }
}
`;

test("stop_timeout = 1: a SIGTERM-ignoring process gets SIGKILL after 1 s, not 5", { timeout: 180_000 }, async (t) => {
  const dir = project(t, stubborn("stop_timeout = 1"));
  const { jaffle, status } = await startReady(t, dir, ["-y"]);
  jaffle.child.kill("SIGTERM");
  await jaffle.waitForOutput("jaffle I shutting down");
  const stoppingAt = Date.now();
  const exit = await jaffle.exited;
  const tookMs = Date.now() - stoppingAt;
  assert.equal(exit.code, 0, jaffle.stdout());
  assert.match(jaffle.stdout(), /stubborn W did not stop within 1000 ms of SIGTERM; killed/);
  assert.ok(tookMs < 4_500, `the shutdown took ${tookMs} ms`);
  await waitGroupsGone(groupsOf(status), 5_000);
});

test(
  "on a terminal: Ctrl-C, Ctrl-C (shut down), Ctrl-C again kills what is left at once",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, stubborn(""));
    const terminal = pty.spawn(process.execPath, [jaffleBin, "start", "--no-color"], {
      cwd: dir,
      cols: 200,
      rows: 50,
      env: { ...process.env, NO_COLOR: "1" } as Record<string, string>,
    });
    let output = "";
    terminal.onData((data) => (output += data));
    const exited = new Promise<number>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
    t.after(async () => {
      try {
        process.kill(-terminal.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    });
    await waitFor(() => /ready in \d+\.\d+ s/.test(output), `the ready line; got:\n${output}`, 120_000);
    const status = await waitFor(() => {
      const s = statusOf(dir);
      return s?.processes.stubborn?.pid ? s : undefined;
    }, "the status file");
    terminal.write("\x03");
    await waitFor(() => output.includes("Shutdown this jaffle (y/[n])?"), `the question; got:\n${output}`);
    terminal.write("\x03");
    await waitFor(() => output.includes("shutting down"), `the shutdown; got:\n${output}`);
    const forcedAt = Date.now();
    terminal.write("\x03");
    const code = await exited;
    const tookMs = Date.now() - forcedAt;
    assert.equal(code, 1, output);
    assert.match(output, /SIGINT during shutdown: killed .*process stubborn/);
    assert.ok(tookMs < 4_000, `the forced shutdown took ${tookMs} ms`);
    await waitGroupsGone(groupsOf(status), 5_000);
  },
);
