/**
 * Restart latency: from writing a changed source file to the first HTTP response that
 * carries the new content. The same TypeScript server (test/fixtures/apps/node_app) runs
 * under jaffle's Node server bridge (on the kernel's loop, and in a worker thread) and
 * under the tools a user would otherwise pick: `node --watch`, `nodemon`, `tsx watch` and pm2.
 * A second table does the same for jaffle's Tornado bridge in a Python kernel.
 *
 * Every tool watches the same files in its own temp copy of the project and listens on
 * its own loopback port; each trial writes a new value and polls until it is served
 * (the polling is the stopwatch, not part of any tool's restart). Everything started is
 * killed by process group at the end, whatever happens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { printTable, type Row } from "./table.js";

const TRIALS = Number(process.env["JAFFLE_BENCH_TRIALS"] ?? 20);
const START_TIMEOUT_MS = 60_000;
const TRIAL_TIMEOUT_MS = 15_000;
/**
 * Quiet time between trials: one tool's trailing events never overlap the next trial,
 * and, as between a developer's saves, background work (the threaded bridge boots the
 * next worker while the current one serves) has time to finish.
 */
const SETTLE_MS = Number(process.env["JAFFLE_BENCH_SETTLE_MS"] ?? 1_000);

const nodeModules = join(packageRoot, "node_modules");
const jaffleBin = join(packageRoot, "bin", "jaffle.js");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection; undefined when nothing answers (yet). */
function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 2_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve(body.trim()));
      res.on("error", () => resolve(undefined));
    });
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * The gap between two polls (JAFFLE_BENCH_POLL_GAP_MS; 0 polls back to back). Back to
 * back, the stopwatch keeps one of a 2-core machine's cores busy with requests, each also
 * served by the tool under test, while that tool restarts; a 1 ms gap frees the core and
 * still resolves to about a millisecond. (Four alternating runs here gave medians of
 * 41.9 and 31.2 ms back to back, 34.1 and 33.1 ms with the gap, and a lower p90 with it.)
 */
const POLL_GAP_MS = Number(process.env["JAFFLE_BENCH_POLL_GAP_MS"] ?? 1);

/** Polls until `expected` is served; the elapsed ms, or undefined after `timeoutMs`. */
async function until(port: number, expected: string, since: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if ((await get(port)) === expected) return performance.now() - since;
    await new Promise((resolve) => (POLL_GAP_MS > 0 ? setTimeout(resolve, POLL_GAP_MS) : setImmediate(resolve)));
  }
  return undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds since local midnight: the clock of the pretty log lines' `HH:MM:SS.mmm`. */
function msOfDay(date = new Date()): number {
  return ((date.getHours() * 60 + date.getMinutes()) * 60 + date.getSeconds()) * 1000 + date.getMilliseconds();
}

const DAY_MS = 86_400_000;
const sinceOfDay = (from: number, to: number) => (((to - from) % DAY_MS) + DAY_MS) % DAY_MS;
const logTime = (stamp: string) => {
  const [h, m, rest] = stamp.split(":");
  return (Number(h) * 60 + Number(m)) * 60_000 + Number(rest) * 1000;
};

/** One trial's restart, taken apart from jaffle's log lines (see breakDown). */
type Phases = Record<string, number>;

const WATCH_EVENT = /^(\d\d:\d\d:\d\d\.\d{3})\s+watchdog I (?:modified|created) \S*message\.ts/m;
const RESTART_LINE =
  /^(\d\d:\d\d:\d\d\.\d{3})\s+web I \[web\] restarted.* in ([\d.]+) ms \(stop ([\d.]+), (?:worker boot wait ([\d.]+), )?evict ([\d.]+), load ([\d.]+), listen ([\d.]+)\)/m;

/**
 * Where one restart's time went: the watch event's latency (file written → the watchdog's
 * event line), the supervisor ↔ kernel routing and round trip (both ways, the rest of the
 * time until the kernel's restart line is logged), and the kernel's own phases (stop, the
 * wait for a spare worker, cache eviction, load, listen), from the lines of one trial.
 */
function breakDown(log: string, wroteAt: number, total: number): Phases | undefined {
  const event = WATCH_EVENT.exec(log);
  const restart = RESTART_LINE.exec(log);
  if (!event || !restart) return undefined;
  const eventAt = logTime(event[1]!);
  const lineAt = logTime(restart[1]!);
  const inKernel = Number(restart[2]);
  const phases: Phases = {
    "watch event latency (write → event)": sinceOfDay(wroteAt, eventAt),
    "routing + kernel round trip (both ways)": Math.max(0, sinceOfDay(eventAt, lineAt) - inKernel),
    "in the kernel: stop": Number(restart[3]),
  };
  if (restart[4] !== undefined) phases["in the kernel: wait for the spare worker"] = Number(restart[4]);
  phases["in the kernel: cache eviction"] = Number(restart[5]);
  phases["in the kernel: load (fresh module graph)"] = Number(restart[6]);
  phases["in the kernel: start until listening"] = Number(restart[7]);
  phases["total: write → new response"] = total;
  return phases;
}

/** Restart breakdowns by subject name, filled by measure() for the jaffle rows. */
const breakdowns = new Map<string, Phases[]>();

interface Subject {
  name: string;
  /** Files for the project (beside the copied sources). */
  files?: Record<string, string>;
  command: (dir: string, port: number) => { file: string; args: string[]; env?: NodeJS.ProcessEnv };
}

interface Project {
  /** Copies the sources into `dir`. */
  populate(dir: string, port: number): void;
  /** The file to edit and its content for a given value. */
  edit(dir: string, value: string): void;
}

const nodeProject: Project = {
  populate(dir) {
    cpSync(join(packageRoot, "test", "fixtures", "apps", "node_app"), dir, { recursive: true });
    writeFileSync(
      join(dir, "src", "main.ts"),
      'import { ExampleApp } from "./app.js";\nawait new ExampleApp([`--port=${process.env["PORT"]}`]).start();\n',
    );
  },
  edit(dir, value) {
    writeFileSync(join(dir, "src", "message.ts"), `export const message: string = ${JSON.stringify(value)};\n`);
  },
};

const tornadoProject: Project = {
  populate(dir) {
    cpSync(join(packageRoot, "examples", "tornado", "my_module"), join(dir, "my_module"), { recursive: true });
    // The same app run standalone, for the tools that restart a whole process.
    writeFileSync(
      join(dir, "run.py"),
      [
        "import os, sys",
        "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))",
        "from my_module.app import ExampleApp",
        // Created the way the bridge creates a traitlets Application: bare, then initialize(argv).
        "app = ExampleApp()",
        "app.initialize(['--port=' + os.environ['PORT']])",
        "if os.environ.get('AUTORELOAD'):",
        "    import tornado.autoreload",
        "    tornado.autoreload.start()",
        "app.start()",
        "",
      ].join("\n"),
    );
  },
  edit(dir, value) {
    writeFileSync(join(dir, "my_module", "greeting.py"), `GREETING = ${JSON.stringify(value)}\n`);
  },
};

function nodeBridgeConfig(port: number, threaded: boolean): string {
  return `kernel "node_kernel" {}
app "web" {
  class  = "ServerBridgeApp"
  kernel = "node_kernel"
  start  = "await web.start()"
  options {
    app_class = "./src/app.ts#ExampleApp"
    argv      = ["--port=${port}"]
    threaded  = ${threaded}
  }
}
app "watchdog" {
  class  = "WatchdogApp"
  kernel = "node_kernel"
  options {
    handlers = [{
      watch_path = "src"
      patterns = ["*.ts"]
      ignore_directories = true
      code_blocks = ["web.handle_watchdog_event({event})"]
    }]
  }
}
`;
}

function tornadoBridgeConfig(port: number, threaded: boolean): string {
  return `kernel "py_kernel" {
  kernel_name = "python3"
}
app "tornado_app" {
  class  = "jaffle.app.tornado.TornadoBridgeApp"
  kernel = "py_kernel"
  start  = "tornado_app.start()"
  logger {
    level = "warning"
  }
  options {
    app_class   = "my_module.app.ExampleApp"
    argv        = ["--port=${port}"]
    threaded    = ${threaded}
    clear_cache = ["my_module"]
  }
}
app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py_kernel"
  options {
    handlers = [{
      patterns = ["*.py"]
      ignore_directories = true
      functions = ["tornado_app.handle_watchdog_event({event})"]
    }]
  }
}
`;
}

function jaffleSubject(name: string, config: (port: number) => string): Subject {
  return {
    name,
    command: (dir, port) => {
      writeFileSync(join(dir, "jaffle.hcl"), config(port));
      return { file: process.execPath, args: [jaffleBin, "start", "-y"] };
    },
  };
}

function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* gone */
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  return exited.finally(() => clearTimeout(timer));
}

async function measure(subject: Subject, project: Project, firstValue: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), "jaffle-bench-restart-"));
  let child: ChildProcess | undefined;
  let output = "";
  try {
    const port = await freePort();
    project.populate(dir, port);
    project.edit(dir, firstValue);
    symlinkSync(nodeModules, join(dir, "node_modules"), "dir");
    const { file, args, env } = subject.command(dir, port);
    child = spawn(file, args, {
      cwd: dir,
      env: { ...process.env, PORT: String(port), NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let trialLog = "";
    child.stdout!.on("data", (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
      trialLog += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    if ((await until(port, firstValue, performance.now(), START_TIMEOUT_MS)) === undefined) {
      return {
        name: subject.name,
        samples: null,
        note: `did not start: ${output.trim().split("\n").at(-1) ?? "no output"}`,
      };
    }
    await pause(SETTLE_MS * 2);
    const samples: number[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      const value = `${subject.name} trial ${trial}`;
      trialLog = "";
      const wroteAt = msOfDay();
      const since = performance.now();
      project.edit(dir, value);
      const elapsed = await until(port, value, since, TRIAL_TIMEOUT_MS);
      if (elapsed === undefined) {
        const served = await get(port);
        process.stderr.write(
          `restart bench: ${subject.name}: trial ${trial} timed out, serving ${JSON.stringify(served)}; last output:\n${output}\n`,
        );
        return { name: subject.name, samples: samples.length ? samples : null, note: `trial ${trial} timed out` };
      }
      samples.push(elapsed);
      await pause(SETTLE_MS);
      // By now the trial's log lines are in (the restart line may trail the response).
      const phases = breakDown(trialLog, wroteAt, elapsed);
      if (phases) breakdowns.set(subject.name, [...(breakdowns.get(subject.name) ?? []), phases]);
    }
    return { name: subject.name, samples };
  } catch (error) {
    return { name: subject.name, samples: null, note: error instanceof Error ? error.message : String(error) };
  } finally {
    if (child) await killGroup(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median of each phase, one column per jaffle mode. */
function printBreakdown(names: string[]): void {
  if (names.length === 0) return;
  const phaseNames = [...new Set(names.flatMap((name) => breakdowns.get(name)!.flatMap((p) => Object.keys(p))))];
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const lines = [
    "\n### Restart breakdown, from jaffle's log lines (medians of the trials, ms)\n",
    `| phase | ${names.join(" | ")} |`,
    `| - | ${names.map(() => "-").join(" | ")} |`,
  ];
  for (const phase of phaseNames) {
    const cells = names.map((name) => {
      const values = breakdowns
        .get(name)!
        .map((p) => p[phase])
        .filter((v): v is number => v !== undefined);
      const m = median(values);
      return m === undefined ? "-" : m.toFixed(1);
    });
    lines.push(`| ${phase} | ${cells.join(" | ")} |`);
  }
  process.stdout.write(lines.join("\n") + "\n\n");
}

export async function bench(): Promise<void> {
  // JAFFLE_BENCH_RESTART=node or =tornado measures one table only.
  const only = process.env["JAFFLE_BENCH_RESTART"];
  const bin = (name: string) => join(nodeModules, ".bin", name);
  const nodeSubjects: Subject[] = [
    jaffleSubject("jaffle, Node bridge (kernel loop)", (port) => nodeBridgeConfig(port, false)),
    jaffleSubject("jaffle, Node bridge (threaded)", (port) => nodeBridgeConfig(port, true)),
    {
      name: "node --watch (+ tsx loader)",
      command: () => ({ file: process.execPath, args: ["--watch", "--import", "tsx", "src/main.ts"] }),
    },
    {
      name: "nodemon (+ tsx loader)",
      command: () => ({
        file: bin("nodemon"),
        args: ["--quiet", "--watch", "src", "--ext", "ts", "--exec", `${process.execPath} --import tsx src/main.ts`],
      }),
    },
    {
      name: "tsx watch",
      command: () => ({ file: bin("tsx"), args: ["watch", "--clear-screen=false", "src/main.ts"] }),
    },
    {
      // pm2-runtime: pm2 in the foreground (no daemon left behind), watching src/ as
      // `pm2 start --watch` would; its home lives in the trial directory.
      name: "pm2-runtime --watch (+ tsx loader)",
      command: (dir, port) => {
        const app = {
          name: "server",
          script: "src/main.ts",
          cwd: dir,
          interpreter: process.execPath,
          node_args: "--import tsx",
          watch: ["src"],
          env: { PORT: String(port) },
        };
        writeFileSync(join(dir, "ecosystem.json"), JSON.stringify({ apps: [app] }));
        return { file: bin("pm2-runtime"), args: ["start", "ecosystem.json"], env: { PM2_HOME: join(dir, ".pm2") } };
      },
    },
  ];
  const nodeRows: Row[] = [];
  if (only !== "tornado") {
    // JAFFLE_BENCH_SUBJECT=text keeps the rows whose name contains it (an A/B of jaffle's own rows).
    const picked = process.env["JAFFLE_BENCH_SUBJECT"];
    for (const subject of nodeSubjects.filter((s) => picked === undefined || s.name.includes(picked)))
      nodeRows.push(await measure(subject, nodeProject, "first"));
    // The floor of a whole-process restart, for the ratios.
    const floor: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t0 = performance.now();
      await new Promise((resolve) => spawn(process.execPath, ["-e", "0"], { stdio: "ignore" }).once("exit", resolve));
      floor.push(performance.now() - t0);
    }
    nodeRows.push({ name: "node -e 0 (spawn to exit, the floor of any process restart)", samples: floor });
    printTable(
      `Restart latency, TypeScript HTTP server: file written -> new response served (${TRIALS} trials)`,
      "ms",
      nodeRows,
    );
    printBreakdown(nodeSubjects.map((subject) => subject.name).filter((name) => breakdowns.has(name)));
  }
  if (only === "node") return;
  const tornadoRows: Row[] = [];
  const python = "/usr/bin/python3";
  const tornadoSubjects: Subject[] = [
    jaffleSubject("jaffle, Tornado bridge (threaded)", (port) => tornadoBridgeConfig(port, true)),
    jaffleSubject("jaffle, Tornado bridge (kernel IOLoop)", (port) => tornadoBridgeConfig(port, false)),
    {
      name: "tornado.autoreload (python3 run.py)",
      command: () => ({ file: python, args: ["run.py"], env: { AUTORELOAD: "1" } }),
    },
    {
      name: "nodemon (python3 run.py)",
      command: () => ({
        file: bin("nodemon"),
        args: ["--quiet", "--watch", "my_module", "--ext", "py", "--exec", `${python} run.py`],
      }),
    },
  ];
  for (const subject of tornadoSubjects) tornadoRows.push(await measure(subject, tornadoProject, "first"));
  printTable(
    `Restart latency, Tornado app (Python): file written -> new response served (${TRIALS} trials)`,
    "ms",
    tornadoRows,
  );
}
