/**
 * The plain-HCL2 recognizer (src/config/hcl2-plain.ts) against the real HCL2 parser: a
 * text it calls plain must be one hcl2json accepts, for hand-picked edge cases and for
 * thousands of seeded mutations of real configuration files. It lets loading skip
 * hcl2json, so a false "plain" would let an invalid file through.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isPlainHcl2 } from "../../src/config/hcl2-plain.js";
import { rawHcl2Json } from "../../src/config/hcl2json.js";
import { repoRoot } from "../helpers/index.js";
import { KERNEL, load, loadErrors } from "./support.js";

async function hcl2jsonAccepts(text: string): Promise<boolean> {
  try {
    await rawHcl2Json(text);
    return true;
  } catch {
    return false;
  }
}

function hclFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : hclFiles(path);
    return name.endsWith(".hcl") ? [path] : [];
  });
}

/** Plain texts (as our rewrites leave them: placeholders, `name={` objects, commas as spaces). */
const PLAIN = [
  'kernel "node" {}\n',
  "a { }\n",
  "a { x = 1 }\n",
  'process "a" { command = "sleep 1000" }\nb { x = [1, { c = 2 }] }\n',
  "a { /* c */ x = 1 /* d */ }",
  "a {x=1}\n",
  "x = -1\ny = 1e5\nz = 2.5E-3\nw = 007\n",
  "x = [\n  1,\n  2,\n]\n",
  'x = {\n  a = 1\n  b = [1,\n    2]\n  "c d" = { e = true, f = null }\n}\n',
  'x = { "a b" = 1, c: 2, }\n',
  "# c\n// c\n/* c */ x = 1 # tail\n",
  'x = "_____"\ny = (0    \n   \n   )\n',
  'a "l1" l2 {\n  b {\n  }\n  b {\n    c = 1\n  }\n}\n',
  "x = 1\r\ny = 2\r\n",
  "_a-b = 1\n",
  'logger={\n  level = "info"\n  inner={\n    "k" = 1\n  }\n}\n',
  "x = 1",
  'a "" {}\n',
  'x = ["a", {b = 1}, [], {}]\n',
  'x = "$ % $x %x {}"\n',
  "\n\n  \n",
  "",
];

/** Valid HCL2 the recognizer leaves to hcl2json (outside the subset), and invalid HCL2. */
const NOT_PLAIN = [
  "a {\n  x = 1 }\n",
  "a {\n  b {\n  }}\n",
  "x = 1 y = 2\n",
  "a { x = 1 y = 2 }\n",
  "a { b {} }\n",
  "a { x = 1 # c }\n}\n",
  "a { x = 1\n}\n",
  "a { x = 1, }\n",
  "a { x = 1 } b = 2\n",
  "a { x = [\n1] }\n",
  "a { true = 1 }\n",
  '"q" = 1\n',
  "a = 1\na = 2\n",
  "a = 1\na {}\n",
  'b {}\nb "x" {}\n',
  'b "x" {}\nb "x" "y" {}\n',
  "a {}\na = 1\n",
  'x = "a\\d"\n',
  'x = "${a}"\n',
  'x = "%{ if a }b%{ endif }"\n',
  "x = {a = 1 b = 2}\n",
  "x = [1 2]\n",
  "x =\n1\n",
  "x = 1 /* a\n */\n",
  "x = 1.\n",
  "x = 1x\n",
  "x = {for = 1}\n",
  "x = {a = 1, a = 2}\n",
  "x = var.a\n",
  "x = a\n",
  "x = - 1\n",
  'x = "a" + "b"\n',
  "a {\n",
  "}\n",
  "a\n{\n}\n",
  'a "b"\n{\n}\n',
  "x = 1\n\u00e9 = 2\n",
  "\uFEFFx = 1\n",
  "x = 1\ry = 2\n",
  'x = "tab\there"\n',
  "true = 1\n",
  "x = (1)\n",
  "x = {\n  a = 1\n  , b = 2\n}\n",
  "x = <<EOF\nhi\nEOF\n",
];

test("hand-picked texts: plain ones are plain and hcl2json accepts them; the others are not plain", async () => {
  for (const text of PLAIN) {
    assert.equal(isPlainHcl2(text), true, `plain: ${JSON.stringify(text)}`);
    assert.equal(await hcl2jsonAccepts(text), true, `hcl2json accepts ${JSON.stringify(text)}`);
  }
  for (const text of NOT_PLAIN) assert.equal(isPlainHcl2(text), false, `not plain: ${JSON.stringify(text)}`);
});

/** A small seeded generator (mulberry32), so a failure names a mutation that can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  "=",
  ",",
  ":",
  '"',
  "\n",
  "#",
  "/",
  "*",
  "\\",
  "$",
  "%",
  "-",
  ".",
  "0",
  "a",
  " ",
  "\t",
  "\r",
  "{}",
  "${",
  "=\n",
  '""',
  "true",
];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const kind = Math.floor(next() * 5);
  if (kind === 0) return text.slice(0, at) + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + INSERTS[Math.floor(next() * INSERTS.length)]! + text.slice(at);
  if (kind === 2) return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
  const lines = text.split("\n");
  const line = Math.floor(next() * lines.length);
  if (kind === 3) lines.splice(line, 0, lines[line]!);
  else lines.splice(line, 1);
  return lines.join("\n");
}

test("seeded mutations of real configuration files: every text called plain is accepted by hcl2json", async () => {
  const corpus = [
    ...PLAIN,
    ...hclFiles(join(repoRoot, "examples")).map((path) => readFileSync(path, "utf8")),
    ...hclFiles(join(repoRoot, "test", "fixtures")).map((path) => readFileSync(path, "utf8")),
  ];
  let checked = 0;
  for (const [index, original] of corpus.entries()) {
    const next = random(1000 + index);
    for (let round = 0; round < 150; round++) {
      let text = mutate(original, next);
      if (next() < 0.3) text = mutate(text, next);
      if (!isPlainHcl2(text)) continue;
      checked++;
      assert.equal(await hcl2jsonAccepts(text), true, `called plain, but hcl2json rejects ${JSON.stringify(text)}`);
    }
  }
  // The mutations must reach the recognizer's "plain" answer often enough to mean something.
  assert.ok(checked > 300, `only ${checked} mutated texts were plain`);
});

test("the examples are plain once rewritten: loading them never starts the HCL2 parser", async () => {
  const { IssueList } = await import("../../src/config/errors.js");
  const { prepareConfigText } = await import("../../src/config/hcl.js");
  for (const path of hclFiles(join(repoRoot, "examples"))) {
    const issues = new IssueList([path]);
    const prepared = prepareConfigText(path, readFileSync(path, "utf8"), issues);
    assert.deepEqual(issues.issues, [], path);
    assert.ok(prepared, path);
    assert.equal(prepared.request, undefined, `${path} needs hcl2json`);
  }
});

test("outside the plain subset hcl2json still decides: an expression gets its value, HCL2's own error its position", async (t) => {
  const config = await load(t, {
    "jaffle.hcl":
      KERNEL + 'variable "n" {\n  default = 3\n}\nprocess "p" {\n  command      = "x"\n  max_restarts = var.n\n}\n',
  });
  assert.equal(config.process.p!.max_restarts, 3);
  // Our parser reads this block; only HCL2 knows an argument must end its line.
  assert.deepEqual(await loadErrors(t, { "jaffle.hcl": KERNEL + 'logger {\n  level = "info" }\n' }), [
    "jaffle.hcl:3:18: Missing newline after argument; An argument definition must end with a newline",
  ]);
});
