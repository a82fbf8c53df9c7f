import assert from "node:assert/strict";
import { test } from "node:test";
import { fnmatch, translate } from "../../../src/apps/watchdog/fnmatch.js";

test("fnmatch: * crosses directory separators, as Python's fnmatch does on absolute paths", () => {
  assert.equal(fnmatch("/home/u/proj/pkg/tests/test_a.py", "*/tests/*.py"), true);
  assert.equal(fnmatch("/home/u/proj/pkg/a.py", "*.py"), true);
  assert.equal(fnmatch("/home/u/proj/pkg/a.pyc", "*.py"), false);
  assert.equal(fnmatch("/home/u/proj/pkg/a.py", "pkg/*.py"), false, "the whole path must match");
});

test("fnmatch: ?, [seq], [!seq], ranges and an unclosed [", () => {
  assert.equal(fnmatch("/p/a1.ts", "*/a?.ts"), true);
  assert.equal(fnmatch("/p/a12.ts", "*/a?.ts"), false);
  assert.equal(fnmatch("/p/b.ts", "*/[abc].ts"), true);
  assert.equal(fnmatch("/p/d.ts", "*/[abc].ts"), false);
  assert.equal(fnmatch("/p/d.ts", "*/[!abc].ts"), true);
  assert.equal(fnmatch("/p/a.ts", "*/[!abc].ts"), false);
  assert.equal(fnmatch("/p/x5.ts", "*/x[0-9].ts"), true);
  assert.equal(fnmatch("/p/[x.ts", "*/[x.ts"), true, "an unclosed [ is literal");
  assert.equal(fnmatch("/p/a.b+c(d).ts", "*/a.b+c(d).ts"), true, "regex metacharacters are literal");
  assert.equal(fnmatch("/p/axbxc", "*/a.b"), false);
});

test("fnmatch: case sensitivity is the caller's choice", () => {
  assert.equal(fnmatch("/p/README.MD", "*.md", true), false);
  assert.equal(fnmatch("/p/README.MD", "*.md", false), true);
});

test("translate anchors the pattern and folds runs of stars", () => {
  assert.equal(translate("**.py"), translate("*.py"));
  assert.match("/a/b.py", new RegExp(translate("*.py")));
});
