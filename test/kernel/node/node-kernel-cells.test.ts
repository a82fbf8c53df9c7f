/**
 * The Node kernel's cell machinery in-process: the notebook rewrite (redeclarations,
 * top-level await, static imports), tracebacks in the cell's own coordinates, and the
 * answers to is_complete, complete and inspect. (This test file's process is the "kernel":
 * cells define globals in it, which is why it has a file of its own.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CellExecutor, type CellOutcome } from "../../../src/kernel/node/cell-executor.js";
import { transformCell } from "../../../src/kernel/node/cell-transform.js";
import { checkCompleteness } from "../../../src/kernel/node/completeness.js";
import { complete } from "../../../src/kernel/node/completion.js";
import { inspectAt } from "../../../src/kernel/node/inspection.js";
import { richOutput } from "../../../src/kernel/node/rich-output.js";
import { defined } from "../../helpers/index.js";

const executor = new CellExecutor();
let cells = 0;

async function run(code: string): Promise<CellOutcome> {
  return executor.run(code, `<cell ${++cells}>`, new AbortController().signal);
}

async function value(code: string): Promise<unknown> {
  const outcome = await run(code);
  assert.equal(outcome.status, "ok", JSON.stringify(outcome));
  return outcome.status === "ok" ? outcome.result?.value : undefined;
}

test("top-level declarations can be declared again in later cells, sync or async", async () => {
  assert.equal(await value("const a = 1; let b = 2; a + b"), 3);
  assert.equal(await value("const a = 10; let b; [a, b]").then((v) => JSON.stringify(v)), "[10,null]");
  assert.deepEqual(await value("const { p, q: [r = 3] = [] } = { p: 1 }; [p, r]"), [1, 3]);
  assert.equal(await value("class K { v() { return 1 } }; new K().v()"), 1);
  assert.equal(await value("class K { v() { return 2 } }\nnew K().v()"), 2);
  assert.equal(
    await value("await null; const a = 'async'; function twice(s) { return s + s }; twice(a)"),
    "asyncasync",
  );
  assert.equal(await value("twice('x')"), "xx");
  assert.equal(await value("var kept = 1"), undefined);
  assert.equal(await value("await null; var kept; kept"), 1);
});

test("a cell run again with the same source (its transform cached) behaves as the first time", async () => {
  const source = "await null; const again = (globalThis.againCount ?? 0) + 1; globalThis.againCount = again; again";
  for (const expected of [1, 2, 3]) assert.equal(await value(source), expected);
  const failing = "const broken = 1;\nnull.property";
  for (let i = 0; i < 2; i++) {
    const outcome = await run(failing);
    assert.equal(outcome.status, "error");
    if (outcome.status !== "error") return;
    assert.equal(outcome.error.ename, "TypeError");
    assert.match(
      outcome.error.traceback.join("\n"),
      new RegExp(`<cell ${cells}>:2:`),
      "the line is the cell's own each time",
    );
  }
  // A syntax error is never cached as a transform: it is reported each time.
  for (let i = 0; i < 2; i++) assert.equal((await run("const = 1")).status, "error");
});

test("static imports become dynamic ones, resolved from the working directory", async () => {
  assert.deepEqual(await value("import { join as j, sep } from 'node:path'; j('a', 'b') === 'a' + sep + 'b'"), true);
  assert.equal(await value("import * as os from 'node:os'; typeof os.cpus"), "function");
  assert.equal(await value("import assertDefault from 'node:assert'; typeof assertDefault"), "function");
  const transformed = transformCell("import x, { 'a-b' as y } from 'm' with { type: 'json' }");
  assert.match(
    transformed.code,
    /void \(\{ default: x, 'a-b': y \} = await import\('m', \{ with: \{ type: 'json' \} \}\)\);/,
  );
  assert.ok(transformed.isAsync);
});

test("errors carry tracebacks in the cell's own lines and columns", async () => {
  const sync = await run("let z = 1;\nfunction inner() { throw new TypeError('t') }\ninner()");
  assert.equal(sync.status, "error");
  if (sync.status !== "error") return;
  assert.deepEqual(sync.error.traceback, [
    "TypeError: t",
    `    at inner (<cell ${cells}>:2:26)`,
    `    at <cell ${cells}>:3:1`,
  ]);

  // The async wrapper and the `return` of the last expression are not the user's columns.
  const wrapped = await run("await null; let w = 1; null.boom");
  assert.equal(wrapped.status, "error");
  if (wrapped.status !== "error") return;
  assert.equal(wrapped.error.ename, "TypeError");
  assert.deepEqual(wrapped.error.traceback.slice(1), [`    at <cell ${cells}>:1:29`]);

  const syntax = await run("const ok = 1;\nlet = ;");
  assert.equal(syntax.status, "error");
  if (syntax.status !== "error") return;
  assert.equal(syntax.error.ename, "SyntaxError");
  assert.deepEqual(syntax.error.traceback.slice(0, 3), [`<cell ${cells}>:2`, "let = ;", "      ^"]);

  const thrown = await run("throw 'plain'");
  assert.deepEqual(thrown.status === "error" && thrown.error, {
    ename: "Uncaught",
    evalue: "'plain'",
    traceback: ["Uncaught 'plain'"],
  });
  assert.match(JSON.stringify(await run("export const e = 1")), /'export' is not allowed in a cell/);
});

test("aborting the signal interrupts an awaiting cell with KeyboardInterrupt", async () => {
  const controller = new AbortController();
  const pending = executor.run("await new Promise(() => {})", "<cell interrupt>", controller.signal);
  setImmediate(() => setImmediate(() => setImmediate(() => controller.abort())));
  const outcome = await pending;
  assert.equal(outcome.status === "error" && outcome.error.ename, "KeyboardInterrupt");
});

test("is_complete: complete, incomplete with an indent, invalid", () => {
  assert.deepEqual(checkCompleteness("const x = 1"), { status: "complete" });
  assert.deepEqual(checkCompleteness("if (x) {\n  call("), { status: "incomplete", indent: "    " });
  assert.deepEqual(checkCompleteness("`template"), { status: "incomplete", indent: "" });
  assert.deepEqual(checkCompleteness("/* comment"), { status: "incomplete", indent: "" });
  assert.deepEqual(checkCompleteness("let = ;"), { status: "invalid" });
  assert.deepEqual(checkCompleteness(")"), { status: "invalid" });
});

test("complete: globals and keywords, properties through the prototype chain, code-point cursors", async () => {
  await value("const completionTarget = { alphaBeta: 1, alphaGamma: 2 }");
  assert.deepEqual(complete("completionTarget.alpha", 22), {
    matches: ["alphaBeta", "alphaGamma"],
    cursor_start: 17,
    cursor_end: 22,
  });
  assert.ok(complete("completionTarget.", 17).matches.includes("hasOwnProperty"));
  assert.deepEqual(complete("retur", 5).matches, ["return"]);
  assert.deepEqual(complete("'😀' + completionT", 17), {
    matches: ["completionTarget"],
    cursor_start: 6,
    cursor_end: 17,
  });
  // Members of call results are not evaluated.
  assert.deepEqual(complete("makeThing().x", 13).matches, []);
});

test("inspect: signature and source of functions, type and value of the rest", async () => {
  await value("async function fetchThing(url, { retries = 3 } = {}) { return url }");
  const fn = inspectAt("fetchThing", 4, 0);
  assert.equal(fn.found, true);
  assert.match(
    defined(fn.data["text/plain"], "text/plain"),
    /^Signature: fetchThing\(url, \{ retries = 3 \} = \{\}\)\nType:\s+async function\n/,
  );
  assert.match(defined(inspectAt("fetchThing(", 11, 0).data["text/plain"], "text/plain"), /Signature: fetchThing/);
  assert.match(
    defined(inspectAt("Math.PI", 6, 0).data["text/plain"], "text/plain"),
    /Type:\s+number\nValue:\s+3\.14159/,
  );
  assert.deepEqual(inspectAt("nothingHere", 3, 0), { found: false, data: {} });
});

test("rich output: Jupyter.display, IJavascript's _toHtml/_toPng, and failures reported", () => {
  const both = richOutput({
    [Symbol.for("Jupyter.display")]: () => ({ "text/markdown": "**md**" }),
    _toPng: () => Buffer.from([1, 2, 3]),
  });
  assert.equal(both.data["text/markdown"], "**md**");
  assert.equal(both.data["image/png"], "AQID");
  assert.ok(typeof both.data["text/plain"] === "string");
  const broken = richOutput({
    _toHtml: () => {
      throw new Error("no html");
    },
  });
  assert.deepEqual(Object.keys(broken.data), ["text/plain"]);
  assert.deepEqual(broken.failures, ["_toHtml() threw Error: no html"]);
});
