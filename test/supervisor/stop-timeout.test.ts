/**
 * Issue 11, item 9: stopping does not wait the full 5 s for a process that ignores
 * SIGTERM when told otherwise: `stop_timeout` on its block sets its own wait, and a
 * further Ctrl-C on the terminal during the shutdown goes straight to SIGKILL.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "../helpers/index.js";
import { openJaffleTerminal } from "../helpers/terminal.js";
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
    const terminal = openJaffleTerminal(t, ["start", "--no-color"], { cwd: dir });
    await terminal.expectReady();
    const status = await waitFor(() => {
      const s = statusOf(dir);
      return s?.processes.stubborn?.pid ? s : undefined;
    }, "the status file");
    terminal.write("\x03");
    await terminal.expect(/Shutdown this jaffle \(y\/\[n\]\)\?/);
    terminal.write("\x03");
    await terminal.expect(/shutting down/);
    const forcedAt = Date.now();
    terminal.write("\x03");
    const code = await terminal.exited();
    const tookMs = Date.now() - forcedAt;
    const output = terminal.screen();
    assert.equal(code, 1, output);
    assert.match(output, /SIGINT during shutdown: killed .*process stubborn/);
    assert.ok(tookMs < 4_000, `the forced shutdown took ${tookMs} ms`);
    await waitGroupsGone(groupsOf(status), 5_000);
  },
);
