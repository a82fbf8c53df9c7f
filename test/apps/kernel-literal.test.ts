import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { javascriptLiteral, languageFamily, pythonLiteral } from "../../src/apps/kernel-literal.js";
import { needsPythonPackages, systemPython } from "../helpers/index.js";

const tricky = {
  event_type: "moved",
  src_path: 'dir with space/it\'s "quoted"\\back\nline é ✓ \u2028',
  dest_path: "b.py",
  is_directory: false,
  nested: [1, 2.5, null, true, { a: [] }],
};

test("a Python literal reads back as the same value in a real Python", needsPythonPackages(), () => {
  const code = `import ast, json, sys\nprint(json.dumps(ast.literal_eval(sys.stdin.read()), ensure_ascii=False))`;
  const out = execFileSync(systemPython, ["-c", code], { input: pythonLiteral(tricky), encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), tricky);
});

test("a JavaScript literal evaluates to the same value", () => {
  assert.deepEqual(new Function(`return ${javascriptLiteral(tricky)}`)(), tricky);
});

test("kernel languages map to a literal syntax; others are refused", () => {
  assert.equal(languageFamily("python"), "python");
  assert.equal(languageFamily("python3"), "python");
  assert.equal(languageFamily("javascript"), "javascript");
  assert.equal(languageFamily("typescript"), "javascript");
  assert.throws(() => languageFamily("R"), /not supported/);
});
