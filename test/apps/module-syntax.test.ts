/**
 * A server module that does not parse, through a real `jaffle start`: the failure names
 * the module and the line and column Node's own `node --check` gives, also when the
 * module at fault is one the app's module imports (Node 20's ES module loader names
 * neither) and for CommonJS (whose error puts the place above the message).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nth, runJaffle, tempDir } from "../helpers/index.js";

/** `file:line:col` as `node --check` reports it: the header's line, the caret's column. */
function nodeCheck(dir: string, file: string): string {
  const result = spawnSync(process.execPath, ["--check", file], { cwd: dir, encoding: "utf8" });
  assert.notEqual(result.status, 0, `node --check ${file} accepted it`);
  const [header, , caret] = result.stderr.split("\n");
  const line = /:(\d+)$/.exec(header!)?.[1];
  assert.ok(line, result.stderr);
  return `${file}:${line}:${caret!.indexOf("^") + 1}`;
}

function config(appClass: string, threaded: boolean): string {
  if (appClass.startsWith("kernel:"))
    return ['kernel "web" {}', 'app "api" {', `  class  = "${appClass}"`, '  kernel = "web"', "}", ""].join("\n");
  return [
    'kernel "web" {}',
    'app "api" {',
    '  class  = "ServerBridgeApp"',
    '  kernel = "web"',
    '  start  = "await api.start()"',
    "  options {",
    `    app_class = "${appClass}"`,
    `    threaded  = ${threaded}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

const cases = [
  {
    name: "an ES module imported by the app's module, on the kernel's loop",
    files: {
      "package.json": '{ "type": "module" }\n',
      "server.mjs":
        'import { helper } from "./lib/helper.mjs";\nexport class App { start() { helper(); } stop() {} }\n',
      "lib/helper.mjs": "// a helper\n\nexport function helper() {\n  return 1 +;\n}\n",
    },
    appClass: "./server.mjs#App",
    culprit: "lib/helper.mjs",
    threaded: false,
  },
  {
    name: "the app's own ES module, threaded",
    files: {
      "server.mjs": "export class App {\n  start() {\n    const port = ;\n  }\n  stop() {}\n}\n",
    },
    appClass: "./server.mjs#App",
    culprit: "server.mjs",
    threaded: true,
  },
  {
    name: "a CommonJS module",
    files: {
      "server.cjs": "class App {\n  start() {\n    if (true {}\n  }\n  stop() {}\n}\nmodule.exports = { App };\n",
    },
    appClass: "./server.cjs#App",
    culprit: "server.cjs",
    threaded: false,
  },
  {
    name: "a module the Node kernel imports for an in-kernel app",
    files: {
      "apps/notify.mjs":
        'import { helper } from "../lib/helper.mjs";\nexport class Notify { constructor() { helper(); } }\n',
      "lib/helper.mjs": "export function helper() {\n  return [1, 2;\n}\n",
    },
    appClass: "kernel:./apps/notify.mjs#Notify",
    culprit: "lib/helper.mjs",
    threaded: false,
  },
];

for (const { name, files, appClass, culprit, threaded } of cases) {
  test(`a syntax error in ${name} is reported at Node's own file:line:col`, async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, "lib"));
    mkdirSync(join(dir, "apps"));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    writeFileSync(join(dir, "jaffle.hcl"), config(appClass, threaded));
    const where = nodeCheck(dir, culprit);
    const result = await runJaffle(["start", "--exit-when-ready", "--no-color"], { cwd: dir });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const failed = result.stdout.split("\n").filter((line) => / jaffle E app api failed: /.test(line));
    assert.equal(failed.length, 1, result.stdout);
    assert.match(
      nth(failed, 0),
      new RegExp(
        ` jaffle E app api failed: (?:creating .* failed: )?SyntaxError: .+ \\(${where.replace(/\./g, "\\.")}\\)$`,
      ),
    );
  });
}
