import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../../src/process/line-splitter.js";
import { keepOnlyColor } from "../../src/process/terminal-text.js";

function collect(maxLineLength?: number): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = [];
  return { lines, splitter: new LineSplitter((line) => lines.push(line), maxLineLength) };
}

test("lines split across chunks, CRLF and a final line without newline", () => {
  const { lines, splitter } = collect();
  splitter.push(Buffer.from("first li"));
  splitter.push(Buffer.from("ne\r\nsecond\n\nthi"));
  splitter.push(Buffer.from("rd\r"));
  splitter.push(Buffer.from("\nlast"));
  assert.deepEqual(lines, ["first line", "second", "", "third"]);
  splitter.end();
  assert.deepEqual(lines, ["first line", "second", "", "third", "last"]);
});

test("a multi-byte character split between chunks is decoded whole", () => {
  const { lines, splitter } = collect();
  const bytes = Buffer.from("héllo → wörld\n");
  for (const byte of bytes) splitter.push(Buffer.from([byte]));
  assert.deepEqual(lines, ["héllo → wörld"]);
});

test("a very long line is emitted in pieces of the maximum length, nothing lost", () => {
  const { lines, splitter } = collect(1000);
  const long = "x".repeat(2500);
  for (let i = 0; i < long.length; i += 300) splitter.push(Buffer.from(long.slice(i, i + 300)));
  splitter.push(Buffer.from("\nafter\n"));
  assert.deepEqual(
    lines.map((l) => l.length),
    [1000, 1000, 500, 5],
  );
  assert.equal(lines.slice(0, 3).join(""), long);
});

test("a megabyte line under the default limit stays one line", () => {
  const { lines, splitter } = collect();
  const long = "y".repeat(1024 * 1024 - 1);
  splitter.push(long.slice(0, 500_000));
  splitter.push(`${long.slice(500_000)}\n`);
  assert.equal(lines.length, 1);
  assert.equal(lines[0], long);
});

test("terminal lines keep colour and lose cursor movement, titles and redraws", () => {
  assert.equal(keepOnlyColor("\x1b[32mgreen\x1b[0m"), "\x1b[32mgreen\x1b[0m");
  assert.equal(keepOnlyColor("\x1b]0;title\x07text"), "text");
  assert.equal(keepOnlyColor("\x1b[2K\x1b[1Gcleared \x1b[1;31mred\x1b[0m"), "cleared \x1b[1;31mred\x1b[0m");
  assert.equal(keepOnlyColor("10%\r50%\r100%"), "100%");
  assert.equal(keepOnlyColor("done\r"), "done");
  assert.equal(keepOnlyColor("\x1b[?25lhidden cursor\x1b[?25h"), "hidden cursor");
  assert.equal(keepOnlyColor("abc\b\bd\x07"), "ad");
  assert.equal(keepOnlyColor("tab\tkept"), "tab\tkept");
});
