/**
 * Ctrl-C on a terminal: jaffle asks "Shutdown this jaffle (y/[n])?" (a real
 * pseudo-terminal, so the key press becomes SIGINT through the terminal driver).
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import * as pty from "node-pty";
import { stripAnsi } from "../../src/log/ansi.js";
import { jaffleBin, waitFor } from "../helpers/index.js";
import { groupsOf, project, PYTHON_KERNEL, statusOf, waitGroupsGone } from "./support.js";

const CONFIG = `kernel "py" { ${PYTHON_KERNEL} }
process "sleeper" {
  command = "sleep 600"
}
`;

function startOnTerminal(t: TestContext, dir: string, args: string[] = [], color = false) {
  const term = pty.spawn(process.execPath, [jaffleBin, "start", ...(color ? [] : ["--no-color"]), ...args], {
    cwd: dir,
    cols: 200,
    rows: 50,
    env: { ...process.env, NO_COLOR: "" } as Record<string, string>,
  });
  let screen = "";
  term.onData((data) => (screen += data));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  let done = false;
  void exited.then(() => (done = true));
  t.after(async () => {
    if (!done) {
      try {
        process.kill(-term.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await exited;
    }
  });
  const waitForText = (text: string | RegExp, timeoutMs = 120_000) =>
    waitFor(
      () => (typeof text === "string" ? screen.includes(text) : text.test(screen)),
      `${String(text)} on the terminal; got:\n${screen}`,
      timeoutMs,
    );
  return { term, exited, screen: () => screen, waitForText };
}

test("Ctrl-C asks; 'n' goes on; a second Ctrl-C at the question shuts down", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG);
  const jaffle = startOnTerminal(t, dir);
  await jaffle.waitForText(/ready in \d/);
  const status = await waitFor(() => {
    const current = statusOf(dir);
    return current?.processes.sleeper?.pid ? current : undefined;
  }, "the status file");

  jaffle.term.write("\x03");
  await jaffle.waitForText("Shutdown this jaffle (y/[n])? ");
  jaffle.term.write("n\r");
  await jaffle.waitForText("shutdown cancelled; still running");
  assert.ok(statusOf(dir), "still running");

  jaffle.term.write("\x03");
  await waitFor(() => jaffle.screen().split("Shutdown this jaffle").length === 3, "the second question");
  jaffle.term.write("\x03");
  assert.equal(await jaffle.exited, 0);
  assert.match(jaffle.screen(), /jaffle I SIGINT: shutting down/);
  await waitGroupsGone(groupsOf(status), 5_000);
});

test("answering y shuts down; -y skips the question", { timeout: 180_000 }, async (t) => {
  const dir = project(t, CONFIG);
  const asked = startOnTerminal(t, dir);
  await asked.waitForText(/ready in \d/);
  asked.term.write("\x03");
  await asked.waitForText("Shutdown this jaffle (y/[n])? ");
  asked.term.write("y\r");
  assert.equal(await asked.exited, 0);
  assert.match(asked.screen(), /jaffle I answered yes: shutting down/);

  // On a terminal, without --no-color, the log is coloured.
  const yes = startOnTerminal(t, dir, ["-y"], true);
  await yes.waitForText(/ready in \d/);
  yes.term.write("\x03");
  assert.equal(await yes.exited, 0);
  assert.ok(yes.screen().includes("\x1b["), "colour on a terminal");
  const plain = stripAnsi(yes.screen());
  assert.doesNotMatch(plain, /Shutdown this jaffle/);
  assert.match(plain, /jaffle I SIGINT: shutting down/);
});
