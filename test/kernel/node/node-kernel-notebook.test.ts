/**
 * The Node kernel's notebook API (display, clearOutput, input, comms, history, the pager,
 * Promise values) driven by real Jupyter software: a notebook executed by Debian's
 * nbclient, and jupyter_client scenarios from drive.py. History and interrupts are in
 * node-kernel-sessions.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { systemPython, nth, defined } from "../../helpers/index.js";
import {
  driveScenario,
  installNodeKernel,
  nodeKernelFixtures,
  nodeKernelProject,
  resultText,
  runPython,
  type ExecuteRecord,
} from "./support.js";
import { lastLine } from "../../../src/shared/text.js";

const hasNbclient = spawnSync(systemPython, ["-c", "import nbclient, nbformat"]).status === 0;

interface StoredCell {
  source: string;
  outputs: Record<string, unknown>[];
}

test(
  "a notebook using every display feature, executed by nbclient, stores the expected outputs",
  { skip: hasNbclient ? false : "python3-nbclient is not installed (apt-get install python3-nbclient)" },
  async (t) => {
    const jupyterPath = await installNodeKernel(t);
    const run = await runPython(t, [join(nodeKernelFixtures, "notebook.py")], { jupyterPath, cwd: nodeKernelProject });
    assert.equal(run.code, 0, run.stderr);
    const cells = JSON.parse(lastLine(run.stdout.trim())) as StoredCell[];
    const outputs = (index: number) => nth(cells, index).outputs;
    const display = (data: Record<string, unknown>, metadata = {}) => [{ output_type: "display_data", metadata, data }];

    assert.deepEqual(outputs(0), display({ "text/html": "<b>bold</b>", "text/plain": "<b>bold</b>" }));
    assert.deepEqual(outputs(1), display({ "text/markdown": "# Title", "text/plain": "# Title" }));
    assert.equal(
      (nth(outputs(2), 0).data as Record<string, string>)["image/svg+xml"],
      nth(cells, 2).source.slice(13, -2),
    );
    assert.deepEqual(outputs(3), display({ "image/png": "iVBORw0KGgo=", "text/plain": "<PNG image>" }));
    assert.deepEqual(outputs(4), display({ "image/jpeg": "/9j/4A==", "text/plain": "<JPEG image>" }));
    assert.deepEqual(outputs(5), display({ "application/json": { a: [1, 2] }, "text/plain": "{ a: [ 1, 2 ] }" }));
    assert.equal(outputs(6).length, 1);
    assert.equal((nth(outputs(6), 0).data as Record<string, string>)["text/html"], "<i>own bundle</i>");
    assert.deepEqual(nth(outputs(6), 0).metadata, { note: "m" });
    // update_display_data replaced the stored output in place.
    assert.deepEqual(outputs(7), [
      ...display({ "text/plain": "v2" }),
      { output_type: "execute_result", metadata: {}, data: { "text/plain": "'counter'" }, execution_count: 8 },
    ]);
    assert.deepEqual(outputs(8), [{ output_type: "stream", name: "stdout", text: "after\n" }]);
    assert.deepEqual(outputs(9), [{ output_type: "stream", name: "stdout", text: "new\n" }]);
    assert.deepEqual(outputs(10), display({ "text/plain": "from a timer" }));
    assert.equal((nth(outputs(11), 0).data as Record<string, string>)["text/plain"], "Promise { 5 }");
    assert.equal((nth(outputs(12), 0).data as Record<string, string>)["text/plain"], "Promise { <pending> }");
    // nbclient sends allow_stdin false: input() fails at once, with one clear error.
    assert.equal(outputs(13).length, 1);
    assert.equal(nth(outputs(13), 0).ename, "StdinNotAllowedError");
    assert.match(String(nth(outputs(13), 0).evalue), /allow_stdin false/);
    assert.equal((nth(outputs(14), 0).data as Record<string, string>)["text/plain"], "'function'");
  },
);

interface Seen {
  content: Record<string, unknown>;
  parent: string;
}

interface NotebookApiReport {
  input_request: { msg_type: string; content: Record<string, unknown>; parent: string };
  input_cell: ExecuteRecord;
  password_request: { content: Record<string, unknown> };
  password_cell: ExecuteRecord;
  no_stdin: ExecuteRecord;
  opened_reply: Seen;
  comm_info: Record<string, unknown>;
  comm_info_other: Record<string, unknown>;
  echo: Seen;
  closed_stream: Seen;
  comm_info_after_close: Record<string, unknown>;
  unknown_target: Seen;
  kernel_open: ExecuteRecord;
  kernel_got: Seen;
  kernel_close: ExecuteRecord;
  late_cell: string;
  other_cell: string;
  late_display: Seen;
  late_update: Seen;
  page: ExecuteRecord;
  page_before: ExecuteRecord;
  page_missing: ExecuteRecord;
  promise_resolved: ExecuteRecord;
  promise_pending: ExecuteRecord;
  promise_nested: ExecuteRecord;
  timer_value: ExecuteRecord;
}

test("jupyter_client: input over stdin, comms both ways, late display under its cell, the pager", async (t) => {
  const r = await driveScenario<NotebookApiReport>(t, "notebook_api");

  assert.equal(r.input_request.msg_type, "input_request");
  assert.deepEqual(r.input_request.content, { prompt: "Your name? ", password: false });
  assert.equal(r.input_request.parent, r.input_cell.msg_id);
  assert.equal(resultText(r.input_cell), "'hi Ada'");
  assert.deepEqual(r.password_request.content, { prompt: "Secret: ", password: true });
  assert.equal(resultText(r.password_cell), "6");
  assert.equal(r.no_stdin.reply.status, "error");
  assert.equal(r.no_stdin.reply.ename, "StdinNotAllowedError");

  // A comm the front end opened, to a target a cell registered.
  assert.deepEqual(r.opened_reply.content, { comm_id: "front-end-comm-1", data: { opened: { x: 1 } } });
  assert.deepEqual(r.comm_info, { status: "ok", comms: { "front-end-comm-1": { target_name: "echo" } } });
  assert.deepEqual(r.comm_info_other, { status: "ok", comms: {} });
  assert.deepEqual(r.echo.content, { comm_id: "front-end-comm-1", data: { echo: { ping: 2 } } });
  assert.deepEqual(r.closed_stream.content, { name: "stdout", text: "closed by the front end\n" });
  assert.deepEqual(r.comm_info_after_close, { status: "ok", comms: {} });
  assert.deepEqual(r.unknown_target.content, { comm_id: "nobody", data: {} });

  // A comm the kernel opened: its comm_open, a message from the front end, its close.
  const opened = r.kernel_open.iopub.find((m) => m.msg_type === "comm_open")!.content;
  assert.equal(opened.target_name, "from-kernel");
  assert.deepEqual(opened.data, { hello: 1 });
  assert.equal(resultText(r.kernel_open), `'${String(opened.comm_id)}'`);
  assert.deepEqual(r.kernel_got.content, { name: "stdout", text: 'kernel got {"n":2}\n' });
  const closed = r.kernel_close.iopub.find((m) => m.msg_type === "comm_close")!.content;
  assert.deepEqual(closed, { comm_id: opened.comm_id, data: { bye: true } });

  // A timer's display and update carry the header of the cell that set the timer.
  assert.notEqual(r.late_cell, r.other_cell);
  assert.equal(r.late_display.parent, r.late_cell);
  assert.deepEqual(r.late_display.content, {
    data: { "text/plain": "late" },
    metadata: {},
    transient: { display_id: "late-one" },
  });
  assert.equal(r.late_update.parent, r.late_cell);
  assert.deepEqual((r.late_update.content as { data: unknown }).data, { "text/plain": "later" });

  // `name?` and `??name` page the inspection instead of running.
  for (const record of [r.page, r.page_before]) {
    const payload = record.reply.payload as { source: string; data: Record<string, string> }[];
    assert.equal(payload.length, 1);
    assert.equal(nth(payload, 0).source, "page");
    assert.match(
      defined(nth(payload, 0).data["text/plain"], "the page's text/plain"),
      /^Signature: described\(a, b\)\nType: +function/,
    );
  }
  const missing = r.page_missing.reply.payload as { data: Record<string, string> }[];
  assert.equal(nth(missing, 0).data["text/plain"], "Object `notThere` not found.");
});

test("Promise values show as in Node's REPL, never with the kernel's async context", async (t) => {
  const r = await driveScenario<NotebookApiReport>(t, "notebook_api");
  assert.equal(resultText(r.promise_resolved), "Promise { 5 }");
  assert.equal(resultText(r.promise_pending), "Promise { <pending> }");
  assert.equal(resultText(r.promise_nested), "{ p: Promise { 'x' }, list: [ Promise { 1 } ] }");
  const timer = resultText(r.timer_value)!;
  assert.match(timer, /^Timeout \{/);
  for (const text of [timer, resultText(r.promise_nested)!]) {
    assert.doesNotMatch(text, /kResourceStore|async_id_symbol|msg_id|execute_request/);
  }
});
