/**
 * The worker that hosts jq (jq-wasm: real jq compiled to WebAssembly). jq-wasm's API is
 * asynchronous, but log lines are rewritten synchronously; the main thread posts a query
 * here and blocks on a shared flag until the answer is posted back (see jq.ts).
 *
 * jq-wasm runs jq's `main()` once per query in one WebAssembly instance, and jq's global
 * state does not survive that for long: after about 300 queries the instance aborts
 * ("Unknown function type"). So we compile the module once and give each batch of
 * queries a fresh instance (a few milliseconds), and retry a query that hit a crash.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { workerData, parentPort, type MessagePort } from "node:worker_threads";

interface JqRequest {
  filter: string;
  input: string;
}

interface JqInstance {
  raw(input: string, filter: string, flags: string[]): Promise<string>;
}

type JqFactory = (moduleArg?: object) => Promise<JqInstance>;

const QUERIES_PER_INSTANCE = 200;

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
const require = createRequire(import.meta.url);
const factoryPath = require.resolve("jq-wasm/dist/build/jq.js");
const factory = require(factoryPath) as JqFactory;

// The emscripten runtime prints aborts with console.error; the error reaches the caller anyway.
console.error = () => {};

/** The compiled module, when the package embeds its binary as a data URL (jq-wasm 1.x does). */
const compiled: WebAssembly.Module | undefined = await (async () => {
  const match = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(readFileSync(factoryPath, "utf8"));
  return match ? WebAssembly.compile(Buffer.from(match[1]!, "base64")) : undefined;
})();

function newInstance(): Promise<JqInstance> {
  if (!compiled) return factory();
  return factory({
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(compiled, imports).then(receive);
      return {};
    },
  });
}

let instance = await newInstance();
let used = 0;

async function run(request: JqRequest): Promise<string> {
  if (used >= QUERIES_PER_INSTANCE) {
    instance = await newInstance();
    used = 0;
  }
  used++;
  try {
    return await instance.raw(request.input, request.filter, ["-c"]);
  } catch (error) {
    if (!(error instanceof WebAssembly.RuntimeError) && !/Aborted|RuntimeError/.test(String(error))) throw error;
    instance = await newInstance();
    used = 1;
    return instance.raw(request.input, request.filter, ["-c"]);
  }
}

port.on("message", (request: JqRequest) => {
  run(request).then(
    (output) => reply({ ok: true, output }),
    (error: unknown) => reply({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

function reply(message: { ok: true; output: string } | { ok: false; error: string }): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

// Run one query now so the first real one is fast.
await instance.raw("null", ".", ["-c"]);
used++;
parentPort!.postMessage("ready");
