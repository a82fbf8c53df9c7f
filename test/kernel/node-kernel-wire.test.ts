/**
 * The Node kernel on the wire, from Node with raw zeromq sockets: messages with a bad
 * signature are dropped and logged, and the process ends cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { Dealer } from "zeromq";
import { endpoint, newConnectionInfo, writeConnectionFile, type ConnectionInfo } from "../../src/kernel/connection.js";
import { createMessage, type JupyterMessage } from "../../src/kernel/messages.js";
import { decodeMessage, encodeMessage, MessageSigner } from "../../src/kernel/wire.js";
import { repoRoot, startJaffle, tempDir, waitFor, type RunningJaffle } from "../helpers/index.js";

async function startKernel(t: TestContext): Promise<{ info: ConnectionInfo; kernel: RunningJaffle }> {
  const dir = tempDir(t);
  const info = await newConnectionInfo("jaffle-node");
  const file = join(dir, "kernel.json");
  await writeConnectionFile(file, info);
  const kernel = startJaffle(t, ["kernel", "--connection-file", file], { cwd: dir });
  await kernel.waitForOutput("listening on 127.0.0.1", 60_000, "stdout");
  return { info, kernel };
}

function kernelInfoRequest(): JupyterMessage {
  return createMessage("kernel_info_request", {}, { session: "wire-test" });
}

test("a message with a wrong signature gets no reply and is logged; the next good one is answered", async (t) => {
  const { info, kernel } = await startKernel(t);
  const shell = new Dealer({ linger: 0 });
  t.after(() => shell.close());
  shell.connect(endpoint(info, "shell"));
  const signer = new MessageSigner(info.key);
  const forger = new MessageSigner("not-the-key");

  const forged = kernelInfoRequest();
  const genuine = kernelInfoRequest();
  await shell.send(encodeMessage(forged, forger));
  await shell.send(encodeMessage(genuine, signer));
  // One socket, one peer: the kernel reads them in order, so the first reply tells.
  const reply = decodeMessage(await shell.receive(), signer);
  assert.equal(reply.header.msg_type, "kernel_info_reply");
  assert.equal((reply.parent_header as { msg_id: string }).msg_id, genuine.header.msg_id);
  await waitFor(
    () => /invalid message signature on a kernel_info_request/.test(kernel.stderr()),
    "the drop to be logged",
  );
});

test("SIGTERM ends the kernel cleanly (exit code 0), also while the heartbeat thread runs", async (t) => {
  const { kernel } = await startKernel(t);
  kernel.child.kill("SIGTERM");
  const exit = await kernel.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(kernel.stdout(), /stopping \(SIGTERM\)/);
});

test("entry.js starts the same kernel without the CLI and reports a bad connection file in one line", async () => {
  const entry = join(repoRoot, "dist", "src", "kernel", "node", "entry.js");
  const child = spawn(process.execPath, [entry, join(repoRoot, "no-such-connection.json")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 1);
  assert.match(stderr, /^jaffle-node: .*no-such-connection\.json: no such connection file\n$/);
});

test("a cell that calls process.exit(3) ends the kernel with code 3, not a native abort", async (t) => {
  const { info, kernel } = await startKernel(t);
  const shell = new Dealer({ linger: 0 });
  t.after(() => shell.close());
  shell.connect(endpoint(info, "shell"));
  const request = createMessage(
    "execute_request",
    { code: "process.exit(3)", silent: false },
    { session: "wire-test" },
  );
  await shell.send(encodeMessage(request, new MessageSigner(info.key)));
  assert.deepEqual(await kernel.exited, { code: 3, signal: null });
});
