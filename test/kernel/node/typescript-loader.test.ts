/**
 * When the built-in kernel registers the TypeScript loader: at start in a project with a
 * tsconfig.json, else on first need (a cell that imports project files, or a TypeScript
 * file required), with every TypeScript form working either way.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import type { RunningKernel } from "../../../src/kernel/launcher.js";
import { importsProjectFiles } from "../../../src/kernel/node/typescript-loader.js";
import { packageRoot } from "../../../src/paths.js";
import { startTestKernel, tempDir } from "../../helpers/index.js";

test("a cell imports project files when a specifier is relative, absolute, a TS file or computed", () => {
  const own = pathToFileURL(join(packageRoot, "dist", "src", "apps", "server-bridge", "node-runtime.js")).href;
  const cases: [string, boolean][] = [
    ["6 * 7", false],
    ["import { join } from 'node:path'; join('a')", false],
    ['const http = await import("node:http"); import express from "express"', false],
    ["require('./lib.ts')", false],
    ["import { a } from './a.js'", true],
    ['import "../setup"', true],
    ["await import('/srv/app/x.mjs')", true],
    ["await import(`./${name}.ts`)", true],
    ["await import(name)", true],
    ["import { x } from 'workspace-pkg/src/x.ts'", true],
    [`import(${JSON.stringify(pathToFileURL("/srv/app/y.js").href)})`, true],
    // jaffle's own kernel-side helpers, as the apps' cells import them.
    [`globalThis.h = (await import(${JSON.stringify(own)})).createRuntime({})`, false],
  ];
  for (const [code, expected] of cases) assert.equal(importsProjectFiles(code), expected, code);
});

async function cellResult(kernel: RunningKernel, code: string): Promise<string> {
  const { reply, outputs } = await kernel.client.execute(code, { timeoutMs: 60_000 });
  assert.equal(reply.content.status, "ok", `${code}: ${JSON.stringify(reply.content)}`);
  const result = outputs.find((m) => m.header.msg_type === "execute_result");
  const data = (result?.content as { data?: Record<string, string> } | undefined)?.data;
  return data?.["text/plain"] ?? "";
}

/** A project with TypeScript files in both module systems, and `extra` files. */
function project(t: Parameters<typeof tempDir>[0], extra: Record<string, string> = {}): string {
  const dir = tempDir(t);
  const files: Record<string, string> = {
    "package.json": '{ "type": "module" }\n',
    "lib.ts": "export const answer: number = 42;\n",
    "counter.cts": "export function double(n: number): number { return n * 2; }\n",
    "helper.mts": "export const twice = (s: string): string => s + s;\n",
    ...extra,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The handler Node's CommonJS loader has for .ts files: jaffle's stand-in until tsx takes over. */
const TS_HANDLER = "require('node:module')._extensions['.ts']?.name ?? 'none'";

test("without a tsconfig.json the loader waits for a cell that needs it, then every form works", async (t) => {
  const dir = project(t);
  const kernel = await startTestKernel(t, { runtimeDir: tempDir(t), cwd: dir });
  assert.equal(await cellResult(kernel, "import { sep } from 'node:path'; 6 * 7"), "42");
  assert.equal(await cellResult(kernel, TS_HANDLER), "'standIn'");
  // require() of a .ts file (found without its extension, as tsx finds it) registers it.
  assert.equal(await cellResult(kernel, "require('./lib').answer"), "42");
  assert.notEqual(await cellResult(kernel, TS_HANDLER), "'standIn'");
  assert.equal(await cellResult(kernel, "require('./counter.cts').double(21)"), "42");
  assert.equal(await cellResult(kernel, "import { twice } from './helper.mts'; twice('ab')"), "'abab'");
});

test("a cell that imports a TypeScript file registers the loader before it runs", async (t) => {
  const dir = project(t);
  const kernel = await startTestKernel(t, { runtimeDir: tempDir(t), cwd: dir });
  assert.equal(await cellResult(kernel, "(await import('./helper.mts')).twice('x')"), "'xx'");
  assert.equal(await cellResult(kernel, "require('./counter.cts').double(4)"), "8");
});

test("with a tsconfig.json the loader is registered from the start", async (t) => {
  const dir = project(t, { "tsconfig.json": '{ "compilerOptions": { "strict": true } }\n' });
  const kernel = await startTestKernel(t, { runtimeDir: tempDir(t), cwd: dir });
  assert.equal(await cellResult(kernel, "6 * 7"), "42");
  const handler = await cellResult(kernel, TS_HANDLER);
  assert.notEqual(handler, "'standIn'");
  assert.notEqual(handler, "'none'");
  assert.equal(await cellResult(kernel, "require('./lib.ts').answer"), "42");
});
