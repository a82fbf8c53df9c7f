/**
 * Kernel benchmarks, our figures beside Python's jupyter_client measured in the same run:
 * - execute round-trip of `1+1` (request sent → reply and `status: idle` received),
 *   against ipykernel and against the built-in Node kernel;
 * - kernel start-up, from launch to the first kernel_info_reply.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { builtinKernelSpec } from "../src/kernel/builtin-spec.js";
import type { KernelClient } from "../src/kernel/client.js";
import { launchKernel, type RunningKernel } from "../src/kernel/launcher.js";
import { silentLogger } from "../src/log/logger.js";
import { printTable, type Row } from "./table.js";
import { firstLine, lastLine } from "../src/shared/text.js";

const PYTHON = "/usr/bin/python3";
const EXECUTIONS = 300;
const WARMUP = 20;
const STARTS = 5;

/** jupyter_client's blocking client timing execute_interactive (which also waits for idle). */
const PY_EXECUTE = `
import json, sys, time
from jupyter_client import BlockingKernelClient
kc = BlockingKernelClient()
kc.load_connection_file(sys.argv[1])
kc.start_channels()
kc.wait_for_ready(timeout=60)
n, warmup = int(sys.argv[2]), int(sys.argv[3])
samples = []
for i in range(n + warmup):
    t0 = time.perf_counter()
    reply = kc.execute_interactive("1+1", output_hook=lambda msg: None, timeout=60)
    assert reply["content"]["status"] == "ok"
    if i >= warmup:
        samples.append((time.perf_counter() - t0) * 1000)
kc.stop_channels()
print(json.dumps(samples))
`;

/** jupyter_client's KernelManager: start, then wait_for_ready (the first kernel_info_reply). */
const PY_START = `
import json, sys, time
from jupyter_client import KernelManager
samples = []
for i in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=sys.argv[1])
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    samples.append((time.perf_counter() - t0) * 1000)
    kc.stop_channels()
    km.shutdown_kernel(now=False)
print(json.dumps(samples))
`;

function runPython(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      ["-c", script, ...args],
      { env, timeout: 600_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${error.message}\n${stderr.split("\n").slice(-5).join("\n")}`));
          return;
        }
        resolve(JSON.parse(lastLine(stdout.trim())) as number[]);
      },
    );
  });
}

async function timeExecutes(client: KernelClient): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < EXECUTIONS + WARMUP; i++) {
    const start = performance.now();
    const { reply } = await client.execute("1+1", { timeoutMs: 60_000 });
    if (reply.content.status !== "ok") throw new Error(`1+1 failed: ${JSON.stringify(reply.content)}`);
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  return samples;
}

async function launch(workDir: string, name: string, kernelName: string | undefined): Promise<RunningKernel> {
  return launchKernel({
    name,
    kernelName,
    runtimeDir: join(workDir, "runtime"),
    cwd: workDir,
    passEnv: [],
    env: {},
    logger: silentLogger,
    startupTimeoutMs: 120_000,
  });
}

/** Runs `measure`, turning a failure into a row that says why instead of aborting the bench. */
async function row(name: string, measure: () => Promise<number[]>): Promise<Row> {
  try {
    return { name, samples: await measure() };
  } catch (error) {
    const reason = firstLine((error as Error).message);
    process.stderr.write(`bench kernel: ${name}: ${(error as Error).message}\n`);
    return { name, samples: null, note: `failed: ${reason.slice(0, 60)}` };
  }
}

async function measureWith(
  workDir: string,
  kernelName: string | undefined,
  measure: (kernel: RunningKernel) => Promise<number[]>,
): Promise<number[]> {
  const kernel = await launch(workDir, `bench-${kernelName ?? "node"}`, kernelName);
  try {
    return await measure(kernel);
  } finally {
    await kernel.shutdown();
  }
}

async function timeStarts(workDir: string, kernelName: string | undefined): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const start = performance.now();
    const kernel = await launch(workDir, `start-${i}`, kernelName);
    samples.push(performance.now() - start);
    await kernel.shutdown();
  }
  return samples;
}

export async function bench(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "jaffle-bench-kernel-"));
  // A kernelspec for our Node kernel, so jupyter_client can start it too.
  const jupyterPath = join(workDir, "jupyter");
  mkdirSync(join(jupyterPath, "kernels", "jaffle-node-bench"), { recursive: true });
  const spec = builtinKernelSpec();
  writeFileSync(
    join(jupyterPath, "kernels", "jaffle-node-bench", "kernel.json"),
    JSON.stringify({
      argv: spec.argv,
      display_name: spec.display_name,
      language: spec.language,
      interrupt_mode: spec.interrupt_mode,
    }),
  );
  const pyEnv = { ...process.env, JUPYTER_PATH: jupyterPath };
  try {
    const execRows: Row[] = [
      await row("jaffle client → ipykernel", () => measureWith(workDir, "python3", (k) => timeExecutes(k.client))),
      await row("jupyter_client BlockingKernelClient → ipykernel", () =>
        measureWith(workDir, "python3", (k) =>
          runPython(PY_EXECUTE, [k.connectionFile, String(EXECUTIONS), String(WARMUP)]),
        ),
      ),
      await row("jaffle client → jaffle Node kernel", () =>
        measureWith(workDir, undefined, (k) => timeExecutes(k.client)),
      ),
      await row("jupyter_client BlockingKernelClient → jaffle Node kernel", () =>
        measureWith(workDir, undefined, (k) =>
          runPython(PY_EXECUTE, [k.connectionFile, String(EXECUTIONS), String(WARMUP)]),
        ),
      ),
    ];
    printTable(
      `Execute round-trip of \`1+1\`, reply and idle (${EXECUTIONS} runs after ${WARMUP} warm-up)`,
      "ms",
      execRows,
    );

    const startRows: Row[] = [
      await row("jaffle launcher: ipykernel", () => timeStarts(workDir, "python3")),
      await row("jupyter_client KernelManager: ipykernel", () =>
        runPython(PY_START, ["python3", String(STARTS)], pyEnv),
      ),
      await row("jaffle launcher: jaffle Node kernel", () => timeStarts(workDir, undefined)),
      await row("jupyter_client KernelManager: jaffle Node kernel", () =>
        runPython(PY_START, ["jaffle-node-bench", String(STARTS)], pyEnv),
      ),
    ];
    printTable(`Kernel start-up to the first kernel_info_reply (${STARTS} starts each)`, "ms", startRows);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
