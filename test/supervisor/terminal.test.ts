/**
 * Ctrl-C on a terminal: jaffle asks "Shutdown this jaffle (y/[n])?" (a real
 * pseudo-terminal, so the key press becomes SIGINT through the terminal driver).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripAnsi } from "../../src/log/ansi.js";
import { waitFor } from "../helpers/index.js";
import { openJaffleTerminal } from "../helpers/terminal.js";
import { groupsOf, project, PYTHON_KERNEL, statusOf, waitGroupsGone } from "./support.js";

const CONFIG = `kernel "py" { ${PYTHON_KERNEL} }
process "sleeper" {
  command = "sleep 600"
}
`;

test("Ctrl-C asks; 'n' goes on; a second Ctrl-C at the question shuts down", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG);
  const jaffle = openJaffleTerminal(t, ["start", "--no-color"], { cwd: dir });
  await jaffle.expectReady();
  const status = await waitFor(() => {
    const current = statusOf(dir);
    return current?.processes.sleeper?.pid ? current : undefined;
  }, "the status file");

  jaffle.write("\x03");
  await jaffle.expect(/Shutdown this jaffle \(y\/\[n\]\)\? /);
  jaffle.write("n\r");
  await jaffle.expect(/shutdown cancelled; still running/);
  assert.ok(statusOf(dir), "still running");

  jaffle.write("\x03");
  await jaffle.expect(/Shutdown this jaffle/);
  jaffle.write("\x03");
  assert.equal(await jaffle.exited(), 0);
  assert.match(jaffle.screen(), /jaffle I SIGINT: shutting down/);
  await waitGroupsGone(groupsOf(status), 5_000);
});

test("answering y shuts down; -y skips the question", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG);
  const asked = openJaffleTerminal(t, ["start", "--no-color"], { cwd: dir });
  await asked.expectReady();
  asked.write("\x03");
  await asked.expect(/Shutdown this jaffle \(y\/\[n\]\)\? /);
  asked.write("y\r");
  assert.equal(await asked.exited(), 0);
  assert.match(asked.screen(), /jaffle I answered yes: shutting down/);

  // On a terminal, without --no-color, the log is coloured.
  const yes = openJaffleTerminal(t, ["start", "-y"], { cwd: dir, color: true });
  await yes.expectReady();
  yes.write("\x03");
  assert.equal(await yes.exited(), 0);
  assert.ok(yes.screen().includes("\x1b["), "colour on a terminal");
  const plain = stripAnsi(yes.screen());
  assert.doesNotMatch(plain, /Shutdown this jaffle/);
  assert.match(plain, /jaffle I SIGINT: shutting down/);
});
