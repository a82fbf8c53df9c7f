/**
 * The control socket of a running jaffle: its mode, who may use it, and `stop`/`status`
 * without it (from the status file).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { groupsOf, jaffleIn, project, startReady, statusOf, waitGroupsGone } from "./support.js";

test(
  "the control socket is 0600 in a 0700 directory, and refuses another uid and a wrong token",
  { timeout: 180_000 },
  async (t) => {
    const dir = project(t, `process "p" { command = "sleep 600" }\n`);
    const { jaffle, status } = await startReady(t, dir);
    const runtime = join(dir, ".jaffle");
    assert.equal(statSync(runtime).mode & 0o777, 0o700);
    assert.equal(statSync(join(runtime, "control.sock")).mode & 0o777, 0o600);
    assert.ok(statSync(join(runtime, "control.sock")).isSocket());
    assert.equal(statSync(join(runtime, "control.token")).mode & 0o777, 0o600);

    // A request with a wrong token (or an unknown version) gets a one-line refusal.
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(join(runtime, "control.sock"));
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
        if (text.split("\n").length > 2) socket.end();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.write(JSON.stringify({ jaffle: 1, id: 7, token: "0".repeat(64), command: "stop" }) + "\n");
      socket.write(JSON.stringify({ jaffle: 99, id: 8, token: "x", command: "status" }) + "\n");
    });
    const [wrongToken, wrongVersion] = answers
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(wrongToken, {
      jaffle: 1,
      id: 7,
      ok: false,
      error: "refused: wrong token (only the user running jaffle may control it)",
    });
    assert.match(String(wrongVersion!.error), /protocol version 99 is not supported \(this jaffle speaks 1\)/);
    assert.equal(statusOf(dir)?.pid, status.pid, "the refused stop did not stop jaffle");

    if (process.getuid?.() !== 0) {
      t.diagnostic("skipped the other-uid request: only root can start a process as another user here");
    } else {
      // A process of user nobody: the kernel refuses its connect() and its read of the token.
      const probe = `const net = require("node:net"); const fs = require("node:fs");
let token = "unreadable"; try { fs.readFileSync(${JSON.stringify(join(runtime, "control.token"))}); token = "read"; } catch (e) { token = e.code; }
const s = net.connect(${JSON.stringify(join(runtime, "control.sock"))});
s.on("connect", () => { console.log("connected " + token); s.destroy(); });
s.on("error", (e) => console.log(e.code + " " + token));`;
      const other = spawnSync(process.execPath, ["-e", probe], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(other.stdout.trim(), "EACCES EACCES", other.stderr);
    }
    jaffle.child.kill("SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    await waitGroupsGone(groupsOf(status), 5_000);
  },
);

test("stop and status work from the status file when the socket is gone", { timeout: 180_000 }, async (t) => {
  const dir = project(t, `process "p" { command = "sleep 600" }\n`);
  const { jaffle, status } = await startReady(t, dir);
  const live = await jaffleIn(dir, ["status", "--json"]);
  assert.equal((JSON.parse(live.stdout) as { pid: number }).pid, status.pid);
  rmSync(join(dir, ".jaffle", "control.sock"));
  const fromFile = await jaffleIn(dir, ["status"]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^jaffle is running: pid \d+/);
  const restart = await jaffleIn(dir, ["restart", "p"]);
  assert.equal(restart.code, 1);
  assert.match(restart.stderr, /^jaffle: no jaffle is running here: no jaffle answers on .*control\.sock: ENOENT\n$/);
  const stopped = await jaffleIn(dir, ["stop"]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^stopped jaffle \(pid \d+\)/);
  assert.equal((await jaffle.exited).code, 0);
  await waitGroupsGone(groupsOf(status), 5_000);
});
