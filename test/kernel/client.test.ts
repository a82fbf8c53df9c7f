/**
 * Our client driving a real ipykernel (the `python3` kernelspec, /usr/bin/python3),
 * started through our launcher.
 */
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Dealer } from "zeromq";
import { KernelClient, KernelDeadError } from "../../src/kernel/client.js";
import { endpoint } from "../../src/kernel/connection.js";
import { launchKernel, type RunningKernel } from "../../src/kernel/launcher.js";
import { createMessage, isMessageType, type JupyterMessage } from "../../src/kernel/messages.js";
import { encodeMessage, MessageSigner } from "../../src/kernel/wire.js";
import { isAlive, needsPython, waitFor, nth } from "../helpers/index.js";
import { recordingLogger, type RecordingLogger } from "./protocol-support.js";

// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");
const types = (messages: JupyterMessage[]) => messages.map((m) => m.header.msg_type);

describe("KernelClient driving ipykernel", needsPython(), () => {
  let kernel: RunningKernel;
  let logger: RecordingLogger;
  let client: KernelClient;
  let runtimeDir: string;

  before(async () => {
    logger = recordingLogger("py");
    runtimeDir = realpathSync(mkdtempSync(join(tmpdir(), "jaffle-client-")));
    kernel = await launchKernel({
      name: "py",
      kernelName: "python3",
      runtimeDir,
      cwd: runtimeDir,
      passEnv: [],
      env: {},
      logger,
      startupTimeoutMs: 120_000,
    });
    client = kernel.client;
  });

  after(async () => {
    await kernel?.shutdown();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  test("kernel_info describes ipykernel", async () => {
    const reply = await client.kernelInfo(30_000);
    assert.equal(reply.content.status, "ok");
    assert.equal(reply.content.implementation, "ipython");
    assert.equal(reply.content.language_info.name, "python");
    assert.equal(kernel.language, "python");
    assert.match(reply.content.protocol_version, /^5\./);
  });

  test("execute: streams in order, then the result, in the busy … idle envelope", async () => {
    const seen: JupyterMessage[] = [];
    const { reply, outputs, msgId } = await client.execute(
      "import sys\nprint('out-1')\nprint('err-1', file=sys.stderr)\nsys.stderr.flush()\nprint('out-2')\n6*7",
      { onOutput: (msg) => seen.push(msg), timeoutMs: 60_000 },
    );
    assert.equal(reply.content.status, "ok");
    assert.equal(reply.parent_header.msg_id, msgId);
    const text = (name: string) =>
      outputs
        .filter((m) => isMessageType(m, "stream") && m.content.name === name)
        .map((m) => (m as JupyterMessage<"stream">).content.text)
        .join("");
    assert.equal(text("stdout"), "out-1\nout-2\n");
    assert.equal(text("stderr"), "err-1\n");
    const result = outputs.find((m) => isMessageType(m, "execute_result")) as JupyterMessage<"execute_result">;
    assert.equal(result.content.data["text/plain"], "42");
    assert.equal(types(outputs).at(-1), "execute_result");
    assert.deepEqual(
      seen
        .filter((m) => m.header.msg_type === "status")
        .map((m) => (m as JupyterMessage<"status">).content.execution_state),
      ["busy", "idle"],
    );
    assert.equal(types(seen)[0], "status");
    assert.equal(types(seen)[1], "execute_input");
    assert.equal(types(seen).at(-1), "status");
  });

  test("execute: an exception is an error reply plus an error output with a traceback", async () => {
    // stopOnError: false, so ipykernel does not abort the next test's request after this error.
    const { reply, outputs } = await client.execute("def f():\n    return 1/0\nf()", {
      timeoutMs: 60_000,
      stopOnError: false,
    });
    assert.equal(reply.content.status, "error");
    const error = outputs.find((m) => isMessageType(m, "error")) as JupyterMessage<"error">;
    assert.equal(error.content.ename, "ZeroDivisionError");
    assert.match(error.content.evalue, /division by zero/);
    assert.ok(error.content.traceback.some((line) => stripAnsi(line).includes("return 1/0")));
  });

  test("execute: display_data with rich MIME types", async () => {
    const { outputs } = await client.execute(
      "from IPython.display import display, HTML\ndisplay(HTML('<b>bold</b>'))",
      {
        timeoutMs: 60_000,
      },
    );
    const display = outputs.find((m) => isMessageType(m, "display_data")) as JupyterMessage<"display_data">;
    assert.equal(display.content.data["text/html"], "<b>bold</b>");
  });

  test("input() in the cell is answered through the stdin channel", async () => {
    const prompts: string[] = [];
    const { outputs } = await client.execute("name = input('who? ')\nprint('hello', name)", {
      allowStdin: true,
      onInput: async (prompt) => {
        prompts.push(prompt);
        return "jaffle";
      },
      timeoutMs: 60_000,
    });
    assert.deepEqual(prompts, ["who? "]);
    assert.ok(outputs.some((m) => isMessageType(m, "stream") && m.content.text === "hello jaffle\n"));
  });

  test("every iopub message is emitted as an `iopub` event, for routing by parent msg_id", async () => {
    const all: JupyterMessage[] = [];
    const listener = (msg: JupyterMessage) => void all.push(msg);
    client.on("iopub", listener);
    const result = await client.execute("print('routed')", { timeoutMs: 60_000 });
    client.off("iopub", listener);
    const mine = types(all.filter((msg) => msg.parent_header.msg_id === result.msgId));
    assert.ok(mine.includes("stream") && mine.includes("execute_input"), mine.join(","));
  });

  test("complete, inspect, is_complete and history", async () => {
    await client.execute("import os\nalpha_beta_gamma = 1", { timeoutMs: 60_000 });
    const completion = await client.complete("os.pa", 5, 30_000);
    assert.equal(completion.content.status, "ok");
    if (completion.content.status !== "ok") return;
    assert.ok(
      completion.content.matches.includes("os.path") || completion.content.matches.includes("path"),
      completion.content.matches.join(","),
    );
    const mine = await client.complete("alpha_b", 7, 30_000);
    assert.ok(mine.content.status === "ok" && mine.content.matches.includes("alpha_beta_gamma"));

    const inspection = await client.inspect("len", 3, 0, 30_000);
    assert.ok(inspection.content.status === "ok" && inspection.content.found);
    assert.match(String(inspection.content.data["text/plain"]), /Return the number of items/);

    assert.deepEqual((await client.isComplete("print(1)")).content, { status: "complete" });
    const open = await client.isComplete("for i in range(3):");
    assert.equal(open.content.status, "incomplete");
    assert.equal((await client.isComplete("1 +)")).content.status, "invalid");

    const history = await client.history({ output: false, raw: true, hist_access_type: "tail", n: 50 });
    assert.ok(history.content.status === "ok");
    assert.ok(history.content.history.some((entry) => entry[2] === "import os\nalpha_beta_gamma = 1"));
  });

  test("interrupt (SIGINT to the process group) stops time.sleep(30); the kernel carries on", async () => {
    const started = Date.now();
    // Interrupt once the cell is running (execute_input comes before user code starts).
    const running = client.execute("import time\nprint('sleeping', flush=True)\ntime.sleep(30)", {
      timeoutMs: 60_000,
      stopOnError: false,
      onOutput: (msg) => {
        if (msg.header.msg_type === "stream") void client.interrupt();
      },
    });
    const { reply } = await running;
    assert.equal(reply.content.status, "error");
    assert.ok(reply.content.status === "error" && reply.content.ename === "KeyboardInterrupt");
    assert.ok(Date.now() - started < 25_000, "interrupted well before the sleep ended");
    const after = await client.execute("2+2", { timeoutMs: 60_000 });
    assert.equal(after.reply.content.status, "ok");
  });

  test("interrupt by interrupt_request on control (a second client, no pid)", async () => {
    const other = await KernelClient.connect(client.connection, { logger, interruptMode: "message" });
    try {
      const started = Date.now();
      const { reply } = await other.execute("import time\nprint('sleeping', flush=True)\ntime.sleep(30)", {
        timeoutMs: 60_000,
        stopOnError: false,
        onOutput: (msg) => {
          if (msg.header.msg_type === "stream") void other.interrupt();
        },
      });
      assert.ok(reply.content.status === "error" && reply.content.ename === "KeyboardInterrupt");
      assert.ok(Date.now() - started < 25_000);
    } finally {
      other.close();
    }
  });

  test("a request with a wrong signature gets no reply and ipykernel logs it", async () => {
    const info = client.connection;
    const dealer = new Dealer({ linger: 0 });
    try {
      dealer.connect(endpoint(info, "shell"));
      const forged = createMessage("execute_request", { code: "print('pwned')" }, { session: "attacker" });
      const honest = createMessage("kernel_info_request", {}, { session: "attacker" });
      await dealer.send(encodeMessage(forged, new MessageSigner("wrong-key")));
      await dealer.send(encodeMessage(honest, new MessageSigner(info.key)));
      // ipykernel handles shell messages in order: the reply to the honest request comes
      // after the forged one was dealt with, and must be the only reply.
      const [first] = await Promise.all([dealer.receive()]);
      const replyHeader = JSON.parse(nth(first, first.findIndex((f) => f.toString() === "<IDS|MSG>") + 2).toString());
      const replyParent = JSON.parse(nth(first, first.findIndex((f) => f.toString() === "<IDS|MSG>") + 3).toString());
      assert.equal(replyHeader.msg_type, "kernel_info_reply");
      assert.equal(replyParent.msg_id, honest.header.msg_id);
      await waitFor(
        () => logger.at("warning").some((line) => /Invalid Message|Invalid Signature/i.test(line)),
        "ipykernel's log line",
      );
      const check = await client.execute("print('ok')", { timeoutMs: 60_000 });
      assert.ok(!check.outputs.some((m) => isMessageType(m, "stream") && m.content.text.includes("pwned")));
    } finally {
      dealer.close();
    }
  });

  test("heartbeat silence (kernel stopped with SIGSTOP) makes a client declare the kernel dead", async () => {
    const watcher = await KernelClient.connect(client.connection, {
      logger,
      heartbeatIntervalMs: 200,
      timeToDeadMs: 1500,
    });
    const dead = new Promise<string>((resolve) => watcher.once("dead", resolve));
    process.kill(kernel.pid, "SIGSTOP");
    try {
      const pending = watcher.execute("1", { timeoutMs: 60_000 });
      assert.match(await dead, /no heartbeat/);
      await assert.rejects(pending, KernelDeadError);
      assert.equal(watcher.alive, false);
    } finally {
      process.kill(kernel.pid, "SIGCONT");
      watcher.close();
    }
    assert.equal((await client.execute("3", { timeoutMs: 60_000 })).reply.content.status, "ok");
  });

  test("shutdown: the kernel replies, exits and leaves nothing behind", async () => {
    const pid = kernel.pid;
    await kernel.shutdown();
    const exit = await kernel.exited;
    assert.equal(exit.code, 0);
    assert.equal(isAlive(pid), false);
    assert.throws(() => process.kill(-pid, 0), /ESRCH/);
    await assert.rejects(client.execute("1"), /closed/);
  });
});
