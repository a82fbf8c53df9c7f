/**
 * jaffle's own client driving jaffle's own Node kernel, as the supervisor does all day:
 * a burst of back-to-back executes, each publishing a stream and a result on iopub. The
 * kernel once sent iopub messages concurrently and ZeroMQ refused one with EBUSY, which
 * lost that request's reply; this pins the ordering and the replies down.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JupyterMessage } from "../../src/kernel/messages.js";
import { recordingLogger, startTestKernel, tempDir } from "../helpers/index.js";

test(
  "a burst of 300 executes: every reply arrives, each with its stream and result in order",
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t);
    const kernel = await startTestKernel(t, { runtimeDir: dir, name: "node", logger: recordingLogger("node") });

    for (let i = 0; i < 300; i++) {
      const { reply, outputs } = await kernel.client.execute(`console.log("line ${i}"); ${i} * 2`, {
        timeoutMs: 30_000,
      });
      assert.equal(reply.content.status, "ok", `execute ${i}`);
      const kinds = outputs.map((message: JupyterMessage) => message.header.msg_type);
      assert.deepEqual(kinds, ["stream", "execute_result"], `outputs of execute ${i}`);
      const [stream, result] = outputs as [JupyterMessage<"stream">, JupyterMessage<"execute_result">];
      assert.equal(stream.content.text, `line ${i}\n`);
      assert.equal(result.content.data["text/plain"], String(i * 2));
    }
  },
);
