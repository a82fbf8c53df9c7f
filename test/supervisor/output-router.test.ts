import assert from "node:assert/strict";
import { test } from "node:test";
import { createMessage, type ContentMap, type JupyterMessage, type MessageType } from "../../src/kernel/messages.js";
import { recordingLogger } from "../helpers/index.js";
import { OutputRouter } from "../../src/supervisor/output-router.js";

/** An iopub message as a kernel would publish it in answer to request `parent`. */
function output<T extends MessageType>(type: T, content: ContentMap[T], parent?: string): JupyterMessage {
  const message = createMessage(type, content, { session: "s" });
  if (parent) message.parent_header = { ...message.header, msg_id: parent, msg_type: "execute_request" };
  return message as JupyterMessage;
}

test("each kind of output becomes lines at its level", () => {
  const kernel = recordingLogger("k");
  const app = recordingLogger("app");
  const router = new OutputRouter(kernel);
  router.route("r1", app);
  router.dispatch(output("stream", { name: "stdout", text: "one\ntwo\n" }, "r1"));
  router.dispatch(output("stream", { name: "stderr", text: "careful\n" }, "r1"));
  router.dispatch(output("execute_result", { data: { "text/plain": "42" }, metadata: {}, execution_count: 1 }, "r1"));
  router.dispatch(
    output("display_data", { data: { "text/plain": "<Figure>", "image/png": "..." }, metadata: {} }, "r1"),
  );
  router.dispatch(output("display_data", { data: { "image/png": "..." }, metadata: {} }, "r1"));
  router.dispatch(output("error", { ename: "TypeError", evalue: "x is not a function", traceback: [] }, "r1"));
  router.dispatch(output("status", { execution_state: "idle" }, "r1"));
  assert.deepEqual(app.all(), [
    "info: one",
    "info: two",
    "warning: careful",
    "info: 42",
    "info: <Figure>",
    "error: TypeError: x is not a function",
  ]);
  assert.deepEqual(kernel.all(), []);
});

test("outputs of unknown requests go to the kernel's logger; old routes are forgotten first", () => {
  const kernel = recordingLogger("k");
  const a = recordingLogger("a");
  const router = new OutputRouter(kernel, 2);
  router.route("r1", a);
  router.route("r2", a);
  router.route("r1", a); // used again: now the youngest
  router.route("r3", a); // evicts r2, the oldest
  assert.equal(router.size, 2);
  router.dispatch(output("stream", { name: "stdout", text: "for r1\n" }, "r1"));
  router.dispatch(output("stream", { name: "stdout", text: "for r2\n" }, "r2"));
  router.dispatch(output("stream", { name: "stdout", text: "no parent\n" }));
  assert.deepEqual(a.all(), ["info: for r1"]);
  assert.deepEqual(kernel.all(), ["info: for r2", "info: no parent"]);
});
