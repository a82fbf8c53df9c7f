/**
 * The Node kernel on the wire, from Node with raw zeromq sockets: messages with a bad
 * signature are dropped and logged, the process ends cleanly on SIGTERM, and a cell sent
 * before the client's iopub subscription still has its outputs published.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { Dealer, Subscriber } from "zeromq";
import {
  endpoint,
  newConnectionInfo,
  writeConnectionFile,
  type ConnectionInfo,
} from "../../../src/kernel/connection.js";
import { createMessage, type JupyterMessage } from "../../../src/kernel/messages.js";
import { decodeMessage, encodeMessage, MessageSigner } from "../../../src/kernel/wire.js";
import { repoRoot, startJaffle, tempDir, waitFor, type RunningJaffle, nth } from "../../helpers/index.js";

async function startKernel(
  t: TestContext,
  options: { bin?: string } = {},
): Promise<{ info: ConnectionInfo; kernel: RunningJaffle }> {
  const { info, kernel } = await launchKernel(t, options);
  await kernel.waitForOutput("listening on 127.0.0.1", 60_000, "stdout");
  return { info, kernel };
}

/** Starts `jaffle kernel` on a fresh connection file without waiting for it to listen. */
async function launchKernel(
  t: TestContext,
  options: { bin?: string } = {},
): Promise<{ info: ConnectionInfo; kernel: RunningJaffle }> {
  const dir = tempDir(t);
  const info = await newConnectionInfo("jaffle-node");
  const file = join(dir, "kernel.json");
  await writeConnectionFile(file, info);
  const kernel = startJaffle(t, ["kernel", "--connection-file", file], { cwd: dir, bin: options.bin });
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

/** Sends a cell on a fresh shell socket; the test closes the socket. */
async function connectShell(t: TestContext, info: ConnectionInfo): Promise<Dealer> {
  const shell = new Dealer({ linger: 0 });
  t.after(() => shell.close());
  shell.connect(endpoint(info, "shell"));
  return shell;
}

function executeRequest(code: string, userExpressions: Record<string, string> = {}): JupyterMessage {
  return createMessage(
    "execute_request",
    { code, silent: false, user_expressions: userExpressions },
    { session: "wire-test" },
  );
}

test("a replayed signed execute_request is dropped, not run again (issue 11, item 3)", async (t) => {
  const { info, kernel } = await startKernel(t);
  const shell = await connectShell(t, info);
  const signer = new MessageSigner(info.key);
  const captured = encodeMessage(executeRequest("globalThis.runs = (globalThis.runs ?? 0) + 1"), signer);
  // The same frames three times: what an attacker who captured one message can send.
  for (let i = 0; i < 3; i++) await shell.send(captured);
  const count = executeRequest("'counted'", { runs: "runs" });
  await shell.send(encodeMessage(count, signer));
  // One peer, one socket: replies come in order, so the second reply tells the count.
  const replies: JupyterMessage[] = [];
  for (;;) {
    const reply = decodeMessage(await shell.receive(), signer);
    replies.push(reply);
    if ((reply.parent_header as { msg_id: string }).msg_id === count.header.msg_id) break;
  }
  assert.equal(replies.length, 2, "only the first copy and the counting cell were answered");
  const runs = (nth(replies, 1).content as { user_expressions: Record<string, { data: Record<string, string> }> })
    .user_expressions.runs!;
  assert.equal(runs.data["text/plain"], "1");
  await waitFor(() => /replayed execute_request message/.test(kernel.stderr()), "the replay to be logged");
});

test("5,000 forged messages give one warning and a counted summary, not 5,000 lines (issue 11, item 8)", async (t) => {
  const { info, kernel } = await startKernel(t);
  const shell = await connectShell(t, info);
  const forger = new MessageSigner("not-the-key");
  const total = 5_000;
  for (let i = 0; i < total; i++) await shell.send(encodeMessage(kernelInfoRequest(), forger));
  // A genuine request after them: once it is answered, every forgery has been read.
  const signer = new MessageSigner(info.key);
  await shell.send(encodeMessage(kernelInfoRequest(), signer));
  assert.equal(decodeMessage(await shell.receive(), signer).header.msg_type, "kernel_info_reply");
  kernel.child.kill("SIGTERM");
  await kernel.exited;
  // Shutdown writes the pending summary: every drop is accounted for, in a few lines.
  const lines = kernel
    .stderr()
    .split("\n")
    .filter((line) => /dropped a message|more like this/.test(line));
  assert.ok(lines.length <= 4, lines.join("\n"));
  assert.match(nth(lines, 0), /dropped a message on shell: invalid message signature on a kernel_info_request/);
  const summarised = lines.slice(1).map((line) => Number(/^jaffle-node: (\d+) more like this/.exec(line)?.[1]));
  assert.equal(1 + summarised.reduce((sum, n) => sum + n, 0), total, lines.join("\n"));
});

test("output written just before process.exit() reaches the kernel's real streams (issue 11, item 2)", async (t) => {
  const fatal = await startKernel(t);
  const shell = await connectShell(t, fatal.info);
  const signer = new MessageSigner(fatal.info.key);
  // In a callback, as a server's request handler would: the cell itself has ended.
  await shell.send(
    encodeMessage(executeRequest('setTimeout(() => { console.error("FATAL"); process.exit(5) }, 0)'), signer),
  );
  assert.deepEqual(await fatal.kernel.exited, { code: 5, signal: null });
  assert.match(fatal.kernel.stderr(), /^FATAL$/m);

  const flood = await startKernel(t);
  const floodShell = await connectShell(t, flood.info);
  const code = "setTimeout(() => { for (let i = 0; i < 2000; i++) console.log(`line ${i}`); process.exit(9) }, 0)";
  await floodShell.send(encodeMessage(executeRequest(code), new MessageSigner(flood.info.key)));
  assert.deepEqual(await flood.kernel.exited, { code: 9, signal: null });
  const lines = flood.kernel
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("line "));
  assert.deepEqual(
    lines,
    Array.from({ length: 2000 }, (_, i) => `line ${i}`),
  );
});

test("a cell sent before the client subscribed to iopub waits for the subscription: its busy, outputs and idle all arrive", async (t) => {
  // What jupyter_console 6 does: its first cell leaves on shell whenever shell is
  // connected, and its iopub socket may connect a reconnect interval later. A kernel that
  // ran the cell at once published into the void, and the console waited for idle forever.
  const { info } = await startKernel(t);
  const signer = new MessageSigner(info.key);
  const shell = await connectShell(t, info);
  const control = new Dealer({ linger: 0 });
  t.after(() => control.close());
  control.connect(endpoint(info, "control"));
  const cell = executeRequest('console.log("early"); 6 * 7');
  await shell.send(encodeMessage(cell, signer));
  // Control is never held: once it answers, the kernel is reading, and without the wait
  // it would have run the cell (a few milliseconds) before the subscription below exists.
  await control.send(encodeMessage(kernelInfoRequest(), signer));
  assert.equal(decodeMessage(await control.receive(), signer).header.msg_type, "kernel_info_reply");

  const iopub = new Subscriber({ linger: 0 });
  t.after(() => iopub.close());
  iopub.connect(endpoint(info, "iopub"));
  iopub.subscribe();
  const seen: string[] = [];
  // Without the wait nothing ever arrives: the test fails in 30 s, not at the suite's timeout.
  const deadline = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no idle for the cell on iopub; saw: ${seen.join(", ")}`)), 30_000);
    t.after(() => clearTimeout(timer));
  });
  for (;;) {
    const message = decodeMessage(await Promise.race([iopub.receive(), deadline]), signer);
    if ((message.parent_header as { msg_id?: string }).msg_id !== cell.header.msg_id) continue;
    const content = message.content as { execution_state?: string; text?: string; data?: Record<string, string> };
    const detail = content.execution_state ?? content.text?.trim() ?? content.data?.["text/plain"] ?? "";
    seen.push(`${message.header.msg_type} ${detail}`.trim());
    if (content.execution_state === "idle") break;
  }
  assert.deepEqual(seen, ["status busy", "execute_input", "stream early", "execute_result 42", "status idle"]);
  const reply = decodeMessage(await shell.receive(), signer);
  assert.equal(reply.header.msg_type, "execute_reply");
  assert.equal((reply.content as { status: string }).status, "ok");
});

test("a kernel whose cell services cannot load (a broken install) exits 1 with the reason, not a kernel that never runs a cell", async (t) => {
  // A copy of the built package with one module of the cell services missing.
  const copy = tempDir(t, "jaffle-broken-install-");
  cpSync(join(repoRoot, "bin"), join(copy, "bin"), { recursive: true });
  cpSync(join(repoRoot, "dist", "src"), join(copy, "dist", "src"), { recursive: true });
  cpSync(join(repoRoot, "package.json"), join(copy, "package.json"));
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"));
  rmSync(join(copy, "dist", "src", "kernel", "node", "completion.js"));

  const { kernel } = await launchKernel(t, { bin: join(copy, "bin", "jaffle.js") });
  const end = await kernel.exited;
  assert.equal(end.code, 1, `stdout:\n${kernel.stdout()}\nstderr:\n${kernel.stderr()}`);
  assert.match(kernel.stderr(), /cannot load the kernel's cell services: .*completion\.js/);
});
