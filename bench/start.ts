/**
 * `npm run bench start`: the supervisor.
 *
 * - Time from `jaffle start --exit-when-ready` to its ready line, with one built-in Node
 *   kernel and with one Python kernel, beside what a Python user would otherwise run to
 *   get one kernel up (jupyter_client's `start_new_kernel`, spawn to ready).
 * - The supervisor's memory (peak RSS, VmHWM) while it runs one kernel and one process,
 *   beside `concurrently` running the same process.
 * - Log throughput: a process floods stdout (`seq`), jaffle filters every line through a
 *   suppress regex and writes the log to a file; `concurrently` runs the same process
 *   to a file (it has no filters). Measured from the moment the flood starts until the
 *   last line is in the file, the same way for both.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jaffleBin, packageRoot } from "../src/paths.js";
import { printRatios, printTable, type Row } from "./table.js";
import { firstLine } from "../src/shared/text.js";

const SYSTEM_PYTHON = "/usr/bin/python3";
const READY_RUNS = 5;
const FLOOD_RUNS = 3;
const FLOOD_LINES = 1_000_000;
const concurrentlyBin = join(packageRoot, "node_modules", ".bin", "concurrently");

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(check: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await delay(intervalMs);
  }
  return true;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* gone */
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/**
 * Spawns a command in its own group and resolves with ms from spawn until stdout matched
 * `pattern`; `seen` gets the output up to then.
 */
async function timeUntilOutput(
  command: string,
  args: string[],
  cwd: string,
  pattern: RegExp,
  env: NodeJS.ProcessEnv = process.env,
  seenOutput: (output: string) => void = () => undefined,
  terminate = false,
): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const seen = new Promise<number>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      if (pattern.test(output)) {
        seenOutput(output);
        resolve(performance.now() - started);
        // A tool that does not exit by itself (nodemon, concurrently) has done its part.
        if (terminate) killGroup(child, "SIGTERM");
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
    child.once("exit", () => reject(new Error(`exited before ${pattern}:\n${output.slice(-2000)}`)));
  });
  try {
    return await seen;
  } finally {
    await exited(child).then(
      () => undefined,
      () => undefined,
    );
    killGroup(child);
  }
}

async function readySamples(dir: string, kernelBlock: string, runs: number): Promise<Row["samples"]> {
  writeFileSync(join(dir, "jaffle.hcl"), `kernel "k" { ${kernelBlock} }\n`);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(
      await timeUntilOutput(
        process.execPath,
        [jaffleBin, "start", "--exit-when-ready", "--no-color"],
        dir,
        /ready in \d/,
      ),
    );
  }
  return samples;
}

/** The JavaScript server app of the start table: a class for jaffle's bridge, a script for the others. */
const SERVER_APP = `import { createServer } from "node:http";
export class Server {
  constructor(argv) {
    this.port = Number((argv.find((a) => a.startsWith("--port=")) ?? "--port=0").slice(7));
  }
  start() {
    this.server = createServer((_req, res) => res.end("hello"));
    return new Promise((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }
  stop() {
    this.server?.close();
  }
}
`;
const SERVER_SCRIPT = `import { Server } from "./app.mjs";
await new Server([\`--port=\${process.env.PORT}\`]).start();
console.log("listening");
`;

function serverAppConfig(port: number, kernelBlock: string, processBlock = ""): string {
  return `kernel "node_kernel" { ${kernelBlock} }
app "web" {
  class  = "ServerBridgeApp"
  kernel = "node_kernel"
  start  = "await web.start()"
  options {
    app_class = "./app.mjs#Server"
    argv      = ["--port=${port}"]
  }
}
${processBlock}`;
}

/** Spawn to exit of a command (`node -e 0`, the floor every row is compared with). */
async function timeToExit(command: string, args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, stdio: "ignore" });
  const code = await exited(child);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
  return performance.now() - started;
}

/**
 * \`jaffle start\` with one built-in Node kernel and one JavaScript server app, spawn to
 * the ready line, beside the tools that would otherwise run the same server (spawn to its
 * "listening" line) and \`node -e 0\`, interleaved run by run so that load on the machine
 * falls on every row alike. Also the kernel's own start, spawn to kernel_info answered
 * (from jaffle's log line), and jaffle's start with the configuration's parse not cached.
 */
async function serverAppReadiness(work: string): Promise<void> {
  const dir = mkdtempSync(join(work, "server-app-"));
  writeFileSync(join(dir, "app.mjs"), SERVER_APP);
  writeFileSync(join(dir, "run.mjs"), SERVER_SCRIPT);
  const port = 18_000 + (process.pid % 1000);
  writeFileSync(join(dir, "jaffle.hcl"), serverAppConfig(port, ""));
  const cache = join(dir, "cache");
  const env = { ...process.env, PORT: String(port), JAFFLE_CACHE_DIR: cache };
  const nodemonBin = join(packageRoot, "node_modules", ".bin", "nodemon");
  const subjects: {
    name: string;
    command: string;
    args: string[];
    pattern: RegExp;
    firstLoad?: boolean;
    /** Runs until stopped: SIGTERM once its line is seen. */
    serves?: boolean;
  }[] = [
    {
      name: "jaffle start (cached config), spawn to ready",
      command: process.execPath,
      args: [jaffleBin, "start", "--exit-when-ready", "--no-color"],
      pattern: /ready in \d/,
    },
    {
      name: "jaffle start (config parsed: first load)",
      command: process.execPath,
      args: [jaffleBin, "start", "--exit-when-ready", "--no-color"],
      pattern: /ready in \d/,
      firstLoad: true,
    },
    {
      name: "node run.mjs, spawn to listening",
      command: process.execPath,
      args: ["run.mjs"],
      pattern: /listening/,
      serves: true,
    },
    {
      name: "nodemon run.mjs",
      command: nodemonBin,
      args: ["--quiet", "--watch", "app.mjs", "run.mjs"],
      pattern: /listening/,
      serves: true,
    },
    {
      name: "concurrently 'node run.mjs'",
      command: concurrentlyBin,
      args: ["--raw", `${process.execPath} run.mjs`],
      pattern: /listening/,
      serves: true,
    },
  ];
  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  const floor: number[] = [];
  const kernelInfo: number[] = [];
  const failures = new Map<string, string>();
  // One start first, so the cached rows find the parse cached.
  await timeUntilOutput(process.execPath, [jaffleBin, "start", "--exit-when-ready"], dir, /ready in \d/, env).catch(
    () => undefined,
  );
  for (let i = 0; i < READY_RUNS; i++) {
    floor.push(await timeToExit(process.execPath, ["-e", "0"], dir));
    for (const subject of subjects) {
      if (failures.has(subject.name)) continue;
      if (subject.firstLoad) rmSync(cache, { recursive: true, force: true });
      try {
        let output = "";
        samples
          .get(subject.name)!
          .push(
            await timeUntilOutput(
              subject.command,
              subject.args,
              dir,
              subject.pattern,
              env,
              (text) => (output = text),
              subject.serves,
            ),
          );
        const answered = /kernel_info answered (\d+) ms after spawn/.exec(output);
        if (answered && !subject.firstLoad) kernelInfo.push(Number(answered[1]));
      } catch (error) {
        failures.set(subject.name, `failed: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }
  const rows: Row[] = [
    ...subjects.map((s) => ({
      name: s.name,
      samples: failures.has(s.name) ? null : samples.get(s.name)!,
      note: failures.get(s.name),
    })),
    {
      name: "built-in Node kernel: spawn to kernel_info answered (in jaffle start)",
      samples: kernelInfo.length ? kernelInfo : null,
    },
    { name: "node -e 0", samples: floor },
  ];
  printTable(
    "jaffle start: one built-in Node kernel + one JavaScript server app (targets: ready 400 ms, kernel_info 150 ms after spawn)",
    "ms",
    rows,
  );
  printRatios("Ratios to node -e 0 of the same run (medians)", rows, "node -e 0");
}

async function readiness(work: string): Promise<void> {
  const dir = mkdtempSync(join(work, "ready-"));
  const rows: Row[] = [];
  for (const [name, block] of [
    ["jaffle start, built-in Node kernel", ""],
    ["jaffle start, Python kernel (ipykernel)", 'kernel_name = "python3"'],
  ] as const) {
    try {
      rows.push({ name, samples: await readySamples(dir, block, READY_RUNS) });
    } catch (error) {
      rows.push({ name, samples: null, note: `failed: ${firstLine((error as Error).message)}` });
    }
  }
  const jupyterClient = [
    "from jupyter_client.manager import start_new_kernel",
    "km, kc = start_new_kernel(kernel_name='python3')",
    "print('kernel ready', flush=True)",
    "kc.stop_channels(); km.shutdown_kernel(now=True)",
  ].join("\n");
  try {
    const samples: number[] = [];
    for (let i = 0; i < READY_RUNS; i++)
      samples.push(await timeUntilOutput(SYSTEM_PYTHON, ["-c", jupyterClient], dir, /kernel ready/));
    rows.push({ name: "jupyter_client start_new_kernel (python3)", samples });
  } catch (error) {
    rows.push({
      name: "jupyter_client start_new_kernel (python3)",
      samples: null,
      note: `failed: ${firstLine((error as Error).message)}`,
    });
  }
  printTable("Start to ready (spawn to the ready line)", "ms", rows);
}

/** VmHWM (peak resident set) and VmRSS (resident now) of a pid, in MiB. */
function residentMiB(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`no ${name} for pid ${pid}`);
    return Number(match[1]) / 1024;
  };
  return { peak: field("VmHWM"), now: field("VmRSS") };
}

/**
 * The kernel block for the memory and throughput runs: the built-in Node kernel, or the
 * Python kernel when the Node kernel does not start here (the table says which).
 */
async function supportingKernel(work: string): Promise<{ block: string; label: string }> {
  const dir = mkdtempSync(join(work, "probe-"));
  try {
    await readySamples(dir, "", 1);
    return { block: "", label: "Node kernel" };
  } catch {
    return { block: 'kernel_name = "python3"', label: "Python kernel" };
  }
}

async function memory(work: string, kernel: { block: string; label: string }): Promise<void> {
  const dir = mkdtempSync(join(work, "memory-"));
  writeFileSync(
    join(dir, "jaffle.hcl"),
    `kernel "k" { ${kernel.block} }\nprocess "sleeper" {\n  command = "sleep 600"\n}\n`,
  );
  const peakRows: Row[] = [];
  const steadyRows: Row[] = [];
  const kernelSteady: number[] = [];
  const measure = async (name: string, command: string, args: string[], readyPattern: RegExp | undefined) => {
    const peaks: number[] = [];
    const steady: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn(command, args, { cwd: dir, detached: true, stdio: ["ignore", "pipe", "ignore"] });
      let output = "";
      child.stdout!.on("data", (data: Buffer) => (output += data.toString()));
      try {
        if (readyPattern && !(await waitUntil(() => readyPattern.test(output), 120_000, 20)))
          throw new Error(`not ready:\n${output}`);
        // Let it settle into its steady state (log hub, heartbeats, timers).
        await delay(2_000);
        const resident = residentMiB(child.pid!);
        peaks.push(resident.peak);
        steady.push(resident.now);
        // The kernel beside it (its pid is in the status file of a jaffle run).
        const statusFile = join(dir, ".jaffle", "status.json");
        if (readyPattern && existsSync(statusFile)) {
          const status = JSON.parse(readFileSync(statusFile, "utf8")) as { kernels: Record<string, { pid: number }> };
          const kernelPid = Object.values(status.kernels)[0]?.pid;
          if (kernelPid) kernelSteady.push(residentMiB(kernelPid).now);
        }
      } finally {
        killGroup(child, "SIGTERM");
        await exited(child);
        killGroup(child);
      }
    }
    peakRows.push({ name, samples: peaks });
    steadyRows.push({ name, samples: steady });
  };
  try {
    await measure(
      `jaffle supervisor (1 ${kernel.label} + 1 process)`,
      process.execPath,
      [jaffleBin, "start", "--no-color"],
      /ready in \d/,
    );
  } catch (error) {
    const note = firstLine((error as Error).message);
    peakRows.push({ name: `jaffle supervisor (1 ${kernel.label} + 1 process)`, samples: null, note });
    steadyRows.push({ name: `jaffle supervisor (1 ${kernel.label} + 1 process)`, samples: null, note });
  }
  await measure("concurrently (1 process)", concurrentlyBin, ["--raw", "sleep 600"], undefined);
  await measure(
    "node -e 'setInterval(() => {}, 1e6)' (a bare Node process)",
    process.execPath,
    ["-e", "setInterval(() => {}, 1e6)"],
    undefined,
  );
  steadyRows.push({
    name: `its ${kernel.label} beside it (VmRSS of the kernel process)`,
    samples: kernelSteady.length ? kernelSteady : null,
  });
  printTable("Supervisor peak memory (VmHWM of the supervising process only)", "MiB", peakRows);
  printTable("Supervisor resident memory 2 s after ready (VmRSS; target 60 MiB)", "MiB", steadyRows);
}

/** The last `bytes` of a file, or "" while it does not exist. */
function tail(path: string, bytes = 256): string {
  if (!existsSync(path)) return "";
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  try {
    const length = Math.min(bytes, size);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString();
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a tool whose process waits for a `go` file and then floods; returns lines per
 * second from creating `go` until the last line is in the tool's output file.
 */
async function floodOnce(
  dir: string,
  command: string,
  args: string[],
  ready: (log: string) => boolean,
): Promise<number> {
  const go = join(dir, "go");
  const logFile = join(dir, "out.log");
  rmSync(go, { force: true });
  rmSync(logFile, { force: true });
  const out = openSync(logFile, "w");
  const child = spawn(command, args, { cwd: dir, detached: true, stdio: ["ignore", out, "ignore"] });
  closeSync(out);
  try {
    if (!(await waitUntil(() => ready(readFileSync(logFile, "utf8")), 120_000, 20))) {
      throw new Error(`${command} did not get ready: ${readFileSync(logFile, "utf8").slice(-500)}`);
    }
    // Pretty: `... line N\n`; JSON: `..."msg":"line N"}\n`.
    const lastLine = new RegExp(`line ${FLOOD_LINES}("})?\\n`);
    const started = performance.now();
    writeFileSync(go, "");
    if (!(await waitUntil(() => lastLine.test(tail(logFile)), 300_000, 2)))
      throw new Error("the last line never arrived");
    return FLOOD_LINES / ((performance.now() - started) / 1000);
  } finally {
    killGroup(child, "SIGTERM");
    await exited(child);
    killGroup(child);
  }
}

async function throughput(work: string, kernel: { block: string; label: string }): Promise<void> {
  const dir = mkdtempSync(join(work, "flood-"));
  // The flood waits for `go`, so start-up (the kernel) is not part of the measurement.
  const flood = `sh -c 'echo waiting; while [ ! -f go ]; do sleep 0.005; done; seq -f "line %.0f" 1 ${FLOOD_LINES}; exec sleep 600'`;
  const hcl = (format: string) =>
    `kernel "k" { ${kernel.block} }
process "flood" {
  command = ${JSON.stringify(flood)}
  logger {
    suppress_regex = ["7$"]
  }
}
${format}`;
  writeFileSync(join(dir, "jaffle.hcl"), hcl(""));
  const rows: Row[] = [];
  const run = async (name: string, command: string, args: string[], ready: (log: string) => boolean) => {
    try {
      const samples: number[] = [];
      for (let i = 0; i < FLOOD_RUNS; i++) samples.push(await floodOnce(dir, command, args, ready));
      rows.push({ name, samples });
    } catch (error) {
      rows.push({ name, samples: null, note: `failed: ${firstLine((error as Error).message)}` });
    }
  };
  const jaffleReady = (log: string) => /ready in \d/.test(log) && log.includes("waiting");
  await run(
    "jaffle (pretty, suppress_regex) to a file",
    process.execPath,
    [jaffleBin, "start", "--no-color"],
    jaffleReady,
  );
  await run(
    "jaffle (--log-format json, suppress_regex) to a file",
    process.execPath,
    [jaffleBin, "start", "--log-format", "json"],
    (log) => log.includes('"msg":"ready in') && log.includes("waiting"),
  );
  await run("concurrently (prefixed, no filter) to a file", concurrentlyBin, ["--names", "flood", flood], (log) =>
    log.includes("waiting"),
  );
  await run("concurrently --raw (no prefix, no filter) to a file", concurrentlyBin, ["--raw", flood], (log) =>
    log.includes("waiting"),
  );
  printTable(`Log throughput (${FLOOD_LINES} lines from seq)`, "lines/s", rows, { lowerIsBetter: false });
}

export async function bench(): Promise<void> {
  process.stdout.write("\n## start: the supervisor\n");
  const work = mkdtempSync(join(tmpdir(), "jaffle-bench-start-"));
  try {
    // JAFFLE_BENCH_START=server,ready,memory,flood (any of them) measures those parts only.
    const parts = (process.env["JAFFLE_BENCH_START"] ?? "server,ready,memory,flood").split(",");
    if (parts.includes("server")) await serverAppReadiness(work);
    if (parts.includes("ready")) await readiness(work);
    if (!parts.includes("memory") && !parts.includes("flood")) return;
    const kernel = await supportingKernel(work);
    if (parts.includes("memory")) await memory(work, kernel);
    if (parts.includes("flood")) await throughput(work, kernel);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
