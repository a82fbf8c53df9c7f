/**
 * `npm run bench commands`: how long the short jaffle commands take, whole process (spawn
 * to exit), and their peak memory, beside the floor (`node -e 0`, measured in the same
 * run, interleaved with the others so machine load hits every row alike) and beside the
 * peers' equivalents. Targets (issue 12): --help, --version, status, stop with nothing
 * running and the refusal of a second start at most 1.5x the floor and 60 MiB; `config`
 * with an unchanged file at most 2x the floor, a first load at most 400 ms.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jaffleBin, packageRoot } from "../src/paths.js";
import { printTable, stats, type Row } from "./table.js";

const RUNS = 9;
const TIME = "/usr/bin/time";
const bin = (name: string) => join(packageRoot, "node_modules", ".bin", name);

interface Subject {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Runs before each sample (not timed), e.g. to empty the config cache. */
  before?: () => void;
}

interface Sample {
  ms: number;
  mib: number;
}

/** One whole-process run: wall time around spawn-to-exit, peak RSS from GNU time. */
function runOnce(subject: Subject, work: string): Sample {
  subject.before?.();
  const rssFile = join(work, "rss");
  const started = performance.now();
  const result = spawnSync(TIME, ["-f", "%M", "-o", rssFile, "--", subject.command, ...subject.args], {
    cwd: subject.cwd,
    env: { ...process.env, ...subject.env },
    stdio: "ignore",
  });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  return { ms, mib: Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) / 1024 };
}

/** Samples every subject RUNS times, round-robin, so load hits all alike. */
function measure(subjects: Subject[], work: string): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>(subjects.map((s) => [s.name, []]));
  for (const subject of subjects) runOnce(subject, work); // warm the disk cache
  for (let run = 0; run < RUNS; run++)
    for (const subject of subjects) samples.get(subject.name)!.push(runOnce(subject, work));
  return samples;
}

function rows(samples: Map<string, Sample[]>, pick: (s: Sample) => number): Row[] {
  return [...samples].map(([name, list]) => ({ name, samples: list.map(pick) }));
}

/** A `jaffle start` that stays up in `dir`, for the refusal row; resolves once it is ready. */
async function runningJaffle(dir: string): Promise<ChildProcess> {
  writeFileSync(join(dir, "jaffle.hcl"), 'process "idle" {\n  command = "sleep 600"\n}\n');
  const child = spawn(process.execPath, [jaffleBin, "start", "--no-color"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (data: Buffer) => {
      output += data.toString();
      if (/ready in \d/.test(output)) resolve();
    });
    child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
    child.once("exit", () => reject(new Error(`jaffle start exited:\n${output}`)));
  });
  return child;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  await gone;
}

export async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "jaffle-bench-commands-"));
  const empty = mkdtempSync(join(work, "empty-"));
  const busy = mkdtempSync(join(work, "busy-"));
  const cache = join(work, "cache");
  const example = join(packageRoot, "examples", "node_server");
  const node = process.execPath;
  const jaffle = (name: string, args: string[], cwd = empty, extra: Partial<Subject> = {}): Subject => ({
    name,
    command: node,
    args: [jaffleBin, ...args],
    cwd,
    env: { JAFFLE_CACHE_DIR: cache },
    ...extra,
  });
  const running = await runningJaffle(busy);
  try {
    const floor: Subject = { name: "node -e 0 (the floor)", command: node, args: ["-e", "0"], cwd: empty };
    const quick = measure(
      [
        floor,
        jaffle("jaffle --help", ["--help"]),
        jaffle("jaffle --version", ["--version"]),
        jaffle("jaffle status (nothing running)", ["status"]),
        jaffle("jaffle stop (nothing running)", ["stop"]),
        jaffle("jaffle start (refused: one runs here)", ["start"], busy),
        { name: "nodemon --help", command: bin("nodemon"), args: ["--help"], cwd: empty },
        { name: "concurrently --help", command: bin("concurrently"), args: ["--help"], cwd: empty },
        {
          name: "pm2 --version",
          command: bin("pm2"),
          args: ["--version"],
          cwd: empty,
          env: { PM2_HOME: join(work, "pm2") },
        },
      ],
      work,
    );
    printTable(
      "Short commands, spawn to exit (target: jaffle at most 1.5x the floor)",
      "ms",
      rows(quick, (s) => s.ms),
    );
    printTable(
      "Short commands, peak RSS (target: jaffle at most 60 MiB)",
      "MiB",
      rows(quick, (s) => s.mib),
    );

    // jaffle config on the example: with the parse cached, and with an empty cache (a
    // first load: our own parse; the example is plain HCL2, so no HCL2 parser worker).
    const config = measure(
      [
        floor,
        jaffle("jaffle config, file unchanged (cached parse)", ["config"], example),
        jaffle("jaffle config, first load (empty cache)", ["config"], example, {
          before: () => rmSync(cache, { recursive: true, force: true }),
        }),
      ],
      work,
    );
    printTable(
      "jaffle config on examples/node_server (target: cached at most 2x the floor, first load at most 400 ms)",
      "ms",
      rows(config, (s) => s.ms),
    );
    printTable(
      "jaffle config, peak RSS",
      "MiB",
      rows(config, (s) => s.mib),
    );
    const first = stats(config.get("jaffle config, first load (empty cache)")!.map((s) => s.ms));
    process.stdout.write(`first load median ${first.median.toFixed(0)} ms (target 400 ms)\n`);
  } finally {
    await stopGroup(running);
    // `pm2 --version` starts pm2's daemon in its PM2_HOME, which outlives the command:
    // end it, or every bench run leaves a "God Daemon" behind.
    spawnSync(bin("pm2"), ["kill"], { env: { ...process.env, PM2_HOME: join(work, "pm2") }, stdio: "ignore" });
    rmSync(work, { recursive: true, force: true });
  }
}
