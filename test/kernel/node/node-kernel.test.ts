/**
 * The built-in Node.js kernel driven by Python's jupyter_client through its installed
 * kernelspec (`jaffle kernel install --prefix`), as any Jupyter front end would use it.
 * The Python side is test/fixtures/node-kernel/drive.py; these tests check its report.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { jaffleBin, needsPythonPackages, runJaffle, tempDir, defined } from "../../helpers/index.js";
import { driveScenario, outputTypes, resultText, type ExecuteRecord } from "./support.js";

test("kernel install writes a kernelspec that runs this package's kernel with absolute paths", async (t) => {
  const prefix = tempDir(t);
  const run = await runJaffle(["kernel", "install", "--prefix", prefix, "--name", "node-test"], { cwd: prefix });
  assert.equal(run.code, 0, run.stderr);
  const directory = join(prefix, "share", "jupyter", "kernels", "node-test");
  assert.match(run.stdout, new RegExp(`Installed kernelspec node-test in ${directory}`));
  const spec = JSON.parse(readFileSync(join(directory, "kernel.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(spec.argv, [process.execPath, jaffleBin, "kernel", "--connection-file", "{connection_file}"]);
  assert.equal(spec.language, "javascript");
  assert.equal(spec.interrupt_mode, "signal");

  const userData = tempDir(t);
  const user = await runJaffle(["kernel", "install", "--user"], { cwd: prefix, env: { JUPYTER_DATA_DIR: userData } });
  assert.equal(user.code, 0, user.stderr);
  assert.ok(readFileSync(join(userData, "kernels", "jaffle-node", "kernel.json"), "utf8").includes('"kernel"'));

  const bad = await runJaffle(["kernel", "install", "--name", "no/slashes", "--prefix", prefix], { cwd: prefix });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^jaffle: --name "no\/slashes": .*\n$/);
  const unknown = await runJaffle(["kernel", "uninstall"], { cwd: prefix });
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'jaffle: unknown kernel action "uninstall" (the only one is "install")\n');
  const missing = await runJaffle(["kernel"], { cwd: prefix });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--connection-file FILE is required/);
});

interface SessionReport {
  kernel_info: Record<string, unknown>;
  [cell: string]: unknown;
}

test(
  "jupyter_client session: results, streams, errors, notebook state, TS modules, completion, inspection",
  needsPythonPackages("python3-jupyter-client"),
  async (t) => {
    const r = await driveScenario<SessionReport>(t, "session");
    const cell = (name: string) => r[name] as ExecuteRecord;

    const info = r.kernel_info;
    assert.equal(info.protocol_version, "5.3");
    assert.equal(info.implementation, "jaffle-node");
    assert.deepEqual(
      { ...(info.language_info as Record<string, unknown>), pygments_lexer: undefined, codemirror_mode: undefined },
      {
        name: "javascript",
        version: process.versions.node,
        mimetype: "application/javascript",
        file_extension: ".js",
        pygments_lexer: undefined,
        codemirror_mode: undefined,
      },
    );

    // ipykernel's order, with the streams (in the order written) before the result.
    const streams = cell("streams");
    assert.deepEqual(outputTypes(streams), [
      "status:busy",
      "execute_input",
      "stream",
      "stream",
      "execute_result",
      "status:idle",
    ]);
    const [out, err] = streams.iopub.filter((m) => m.msg_type === "stream").map((m) => m.content);
    assert.deepEqual(out, { name: "stdout", text: "one\ntwo\n" });
    assert.deepEqual(err, { name: "stderr", text: "three\n" });
    assert.equal(resultText(streams), "42");
    assert.equal(streams.reply.status, "ok");
    assert.equal(streams.reply.execution_count, 1);

    // A notebook may declare the same const and class again in a later cell.
    assert.equal(resultText(cell("declare")), "1");
    assert.equal(resultText(cell("redeclare")), "20");
    assert.equal(resultText(cell("redeclare_class")), "'again'");
    assert.equal(resultText(cell("top_level_await")), "'waited'");

    assert.equal(resultText(cell("ts_import")), "'hello, ts'");
    assert.equal(resultText(cell("ts_dynamic_import")), "'hello, dynamic'");
    assert.equal(resultText(cell("cts_require")), "42");
    assert.equal(resultText(cell("cjs_import")), "42");

    const error = cell("error");
    assert.equal(error.reply.status, "error");
    assert.equal(error.reply.ename, "RangeError");
    assert.equal(error.reply.evalue, "out of range");
    const published = error.iopub.find((m) => m.msg_type === "error")!.content;
    assert.deepEqual(published.traceback, [
      "RangeError: out of range",
      "    at fail (<cell 10>:1:25)",
      "    at <cell 10>:2:1",
    ]);
    assert.deepEqual(outputTypes(error), ["status:busy", "execute_input", "error", "status:idle"]);
    assert.equal(resultText(cell("after_error")), "'still alive'");

    // Silent executions publish nothing but status, and do not count.
    assert.deepEqual(outputTypes(cell("silent")), ["status:busy", "status:idle"]);
    assert.equal(cell("silent").reply.execution_count, 11);
    assert.equal(cell("after_silent").reply.execution_count, 12);

    const rich = cell("rich").iopub.find((m) => m.msg_type === "execute_result")!.content.data as Record<
      string,
      string
    >;
    assert.equal(rich["text/html"], "<b>rich</b>");
    assert.ok(rich["text/plain"]);
    const html = cell("to_html").iopub.find((m) => m.msg_type === "execute_result")!.content.data as Record<
      string,
      string
    >;
    assert.equal(html["text/html"], "<i>ijs</i>");

    const expressions = cell("user_expressions").reply.user_expressions as Record<string, Record<string, unknown>>;
    assert.deepEqual(expressions.double, { status: "ok", data: { "text/plain": "10" }, metadata: {} });
    assert.equal(expressions.bad!.status, "error");
    assert.equal(expressions.bad!.ename, "ReferenceError");

    assert.deepEqual(r.complete_global, {
      status: "ok",
      matches: ["console"],
      cursor_start: 0,
      cursor_end: 5,
      metadata: {},
    });
    assert.deepEqual(r.complete_member, {
      status: "ok",
      matches: ["alpha"],
      cursor_start: 4,
      cursor_end: 6,
      metadata: {},
    });
    assert.deepEqual((r.complete_keyword as { matches: string[] }).matches, ["return"]);

    const inspect = r.inspect as { found: boolean; data: Record<string, string> };
    assert.equal(inspect.found, true);
    assert.match(defined(inspect.data["text/plain"], "inspect_reply's text/plain"), /Signature: add\(a, b = 1\)/);
    assert.equal((r.inspect_missing as { found: boolean }).found, false);

    assert.deepEqual(r.is_complete, {
      "1 + 1": { status: "complete" },
      "function f() {": { status: "incomplete", indent: "  " },
      "let = ;": { status: "invalid" },
    });
    assert.deepEqual((r.history as { history: unknown[] }).history, [
      [1, 15, "const ue = 5"],
      [1, 16, "const obj = { alpha: 1, beta: 2 }; function add(a, b = 1) { return a + b }"],
    ]);
    assert.deepEqual(r.comm_info, { status: "ok", comms: {} });
    assert.deepEqual(r.stop_on_error, ["error", "aborted"]);
    assert.equal(resultText(cell("ran_anyway")), "'undefined'");
  },
);

interface InterruptReport {
  sync: Record<string, unknown>;
  sync_signals: number;
  awaiting_signals: number;
  after_sync: ExecuteRecord;
  awaiting: Record<string, unknown>;
  interrupt_reply: Record<string, unknown>;
  by_message: Record<string, unknown>;
  after_async: ExecuteRecord;
}

test(
  "interrupt stops while (true) {} and an endless await, by SIGINT and by interrupt_request",
  needsPythonPackages("python3-jupyter-client"),
  async (t) => {
    const r = await driveScenario<InterruptReport>(t, "interrupt");
    for (const reply of [r.sync, r.awaiting, r.by_message]) {
      assert.equal(reply.status, "error");
      assert.equal(reply.ename, "KeyboardInterrupt");
    }
    // One SIGINT each: a synchronous cell is started from a script that already has
    // breakOnSigint armed when execute_input leaves; an awaiting one is abandoned.
    assert.equal(r.sync_signals, 1);
    assert.equal(r.awaiting_signals, 1);
    assert.deepEqual(r.interrupt_reply, { status: "ok" });
    assert.equal(resultText(r.after_sync), "'alive after the loop'");
    assert.equal(resultText(r.after_async), "'alive after the await'");
  },
);

interface HeartbeatReport {
  answers: { answered: boolean; echo: string | null; ms: number }[];
  reply: Record<string, unknown>;
  reply_after_pings_s: number;
}

test(
  "the heartbeat answers while a cell runs a long synchronous loop",
  needsPythonPackages("python3-jupyter-client"),
  async (t) => {
    const r = await driveScenario<HeartbeatReport>(t, "heartbeat");
    assert.deepEqual(
      r.answers.map((a) => [a.answered, a.echo]),
      [0, 1, 2, 3, 4].map((i) => [true, `ping ${i}`]),
    );
    // The pings were answered while the loop still held the main thread.
    assert.ok(r.reply_after_pings_s > 0.5, `the cell ended ${r.reply_after_pings_s}s after the last ping`);
    assert.equal(r.reply.status, "ok");
  },
);

interface AsyncOutputReport {
  server_cell: string;
  other_cell: string;
  timer_cell: string;
  after_timer_cell: string;
  thrower_cell: string;
  streams: Record<string, { parent: string; name: string; text: string } | null>;
  still_alive: ExecuteRecord;
}

test(
  "output of async work goes to the cell that started it; uncaught errors are reported, not fatal",
  needsPythonPackages("python3-jupyter-client"),
  async (t) => {
    const r = await driveScenario<AsyncOutputReport>(t, "async_output");
    const stream = (text: string) => {
      const found = r.streams[text];
      assert.ok(found, `no stream message with ${JSON.stringify(text)}; got ${JSON.stringify(r.streams)}`);
      return found;
    };
    // A server's request handler logs long after its cell (and another one) finished.
    assert.equal(stream("request for /hello").parent, r.server_cell);
    assert.equal(stream("request for /hello").name, "stdout");
    assert.equal(stream("late output").parent, r.timer_cell);
    const boom = stream("async boom");
    assert.equal(boom.parent, r.thrower_cell);
    assert.equal(boom.name, "stderr");
    assert.match(boom.text, /^Uncaught exception: Error: async boom\n {4}at Timeout\._onTimeout \(<cell \d+>:1:\d+\)/);
    const rejected = stream("rejected later");
    assert.equal(rejected.parent, r.thrower_cell);
    assert.match(rejected.text, /^Unhandled promise rejection: Error: rejected later/);
    assert.equal(resultText(r.still_alive), "'closed'");
  },
);
