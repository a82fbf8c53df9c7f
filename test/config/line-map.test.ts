/**
 * LineMap (src/config/hcl-lexer.ts) remembers the line of its last lookup; lookups in
 * file order, backwards and at random must all give the line and column counted by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LineMap } from "../../src/config/hcl-lexer.js";

function byHand(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

test("positions in file order, backwards and at random match a count by hand", () => {
  const text = 'a = 1\n\nkernel "k" {\n  x = [1,\n    2]\n}\n\n\nlast = "no newline at the end"';
  const lines = new LineMap("f.hcl", text);
  const offsets = Array.from({ length: text.length + 1 }, (_, offset) => offset);
  let seed = 7;
  const shuffled = [...offsets].sort(() => ((seed = (seed * 16807) % 2147483647) % 3) - 1);
  for (const order of [offsets, [...offsets].reverse(), shuffled])
    for (const offset of order)
      assert.deepEqual(lines.position(offset), { file: "f.hcl", ...byHand(text, offset) }, `offset ${offset}`);
});

test("a text without newlines, and an empty text, are one line", () => {
  assert.deepEqual(new LineMap("f", "abc").position(2), { file: "f", line: 1, column: 3 });
  assert.deepEqual(new LineMap("f", "").position(0), { file: "f", line: 1, column: 1 });
});
