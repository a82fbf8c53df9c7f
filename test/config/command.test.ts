import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandSyntaxError, commandArgv, splitCommand } from "../../src/config/command.js";

test("splitCommand splits on whitespace and keeps quoted text together", () => {
  assert.deepEqual(splitCommand("  node   server.js --port 3000 "), ["node", "server.js", "--port", "3000"]);
  assert.deepEqual(splitCommand(`echo 'a b' "c d" e\\ f`), ["echo", "a b", "c d", "e f"]);
  assert.deepEqual(splitCommand(`say "it's" 'say "hi"'`), ["say", "it's", 'say "hi"']);
  assert.deepEqual(splitCommand(`a"b"'c'd`), ["abcd"]);
  assert.deepEqual(splitCommand(`x "" ''`), ["x", "", ""]);
});

test("splitCommand follows shell backslash rules inside and outside double quotes", () => {
  assert.deepEqual(splitCommand(`a "x\\"y" "back\\\\slash" "keep\\n"`), ["a", 'x"y', "back\\slash", "keep\\n"]);
  assert.deepEqual(splitCommand(`a 'no\\escape'`), ["a", "no\\escape"]);
  assert.deepEqual(splitCommand("a \\\nb"), ["a", "b"]);
});

test("splitCommand does no expansion", () => {
  assert.deepEqual(splitCommand(`echo '$HOME' '*.js'`), ["echo", "$HOME", "*.js"]);
});

test("splitCommand reports unbalanced quotes with their column", () => {
  assert.throws(
    () => splitCommand(`echo "abc`),
    (error: unknown) => {
      assert.ok(error instanceof CommandSyntaxError);
      assert.equal(error.message, "unterminated double quote at column 6");
      assert.equal(error.column, 6);
      return true;
    },
  );
  assert.throws(() => splitCommand(`echo ok 'abc`), /unterminated single quote at column 9/);
  assert.throws(() => splitCommand(`echo abc\\`), /trailing backslash at column 9/);
  assert.throws(() => splitCommand("   "), /empty command/);
});

test("commandArgv uses /bin/sh -c only when shell syntax is present", () => {
  assert.deepEqual(commandArgv("node app.js --flag 'a b'"), ["node", "app.js", "--flag", "a b"]);
  for (const command of [
    "npm run build && node dist/app.js",
    "cat log | grep x",
    "node app.js > out.txt",
    "echo $HOME",
    `echo "$HOME"`,
    "ls *.js",
    "cd sub; make",
    "FOO=1 node app.js",
    "echo ~/x",
    "sleep 1 &",
  ]) {
    assert.deepEqual(commandArgv(command), ["/bin/sh", "-c", command], command);
  }
  // Quoted operators are plain text.
  assert.deepEqual(commandArgv(`echo '&&' "a|b" 'x > y' a#b`), ["echo", "&&", "a|b", "x > y", "a#b"]);
  assert.throws(() => commandArgv(`echo 'x && y`), /unterminated single quote at column 6/);
});
