/**
 * The test runner app's runtime inside the Node kernel: Node's own test runner
 * (`node --test`, TypeScript included through tsx) on the targets, in a child process
 * of the kernel, so every run loads the code as saved now. Its spec output becomes the
 * app's log lines (through the kernel's stdout/stderr); a TAP copy gives the counts.
 *   NAME.test("test/x.test.ts", "pattern")   run a file (and tests matching a name) by hand
 *   NAME.collect_test_items()                the test ids `file::name` (also collectTestItems)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { inspect } from "node:util";
import { processScratchDirectory } from "../../shared/process-scratch.js";
import type { TestRunnerSetup } from "./descriptor.js";
import type { RunSummary } from "./summary.js";

/** Node's own defaults for test files, .ts included. */
const TEST_FILE = /(?:^|[._-])test\.[cm]?[jt]sx?$|^test-.+\.[cm]?[jt]sx?$/;

function findTestFiles(dir: string, root: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findTestFiles(path, root, found);
    else if (TEST_FILE.test(entry.name)) found.push(relative(root, path));
  }
  return found.sort();
}

/**
 * The runner's environment: the kernel's, without NODE_TEST_CONTEXT (a kernel started
 * under `node --test` would make this run report to that parent instead of to us).
 */
function runnerEnv(colour: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(colour ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }) };
  delete env["NODE_TEST_CONTEXT"];
  return env;
}

/** `file::pattern` or `file pattern`: a file and an optional test name pattern. */
function splitTarget(target: string): { file: string; pattern?: string } {
  const [file, ...rest] = target.includes("::") ? target.split("::") : target.trim().split(/\s+/);
  const pattern = rest.join(" ").trim();
  return pattern ? { file: file!, pattern } : { file: file! };
}

interface NodeRun {
  summary: RunSummary;
  tap: string;
}

function count(tap: string, key: string): number {
  return Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(tap)?.[1] ?? 0);
}

/** A summary whose inspection (the cell's text/plain) is JSON, for the supervisor. */
function asResult(summary: RunSummary): RunSummary {
  return Object.defineProperty({ ...summary }, inspect.custom, { value: () => JSON.stringify(summary) });
}

export function createRunner(setup: TestRunnerSetup) {
  let lastSummary: RunSummary | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const colour = setup.args.includes("--color=yes");
  const args = setup.args.filter((arg) => arg !== "--color=yes");

  const runNode = (files: string[], extra: string[], echo: boolean): Promise<NodeRun> => {
    // Inside the kernel's own scratch directory, so a run the kernel is stopped in the
    // middle of (its child ends with it, before this removes the run's files) leaves nothing.
    const scratch = mkdtempSync(join(processScratchDirectory("jaffle-node-test-"), "run-"));
    const tapFile = join(scratch, "run.tap");
    const began = performance.now();
    const child = spawn(
      process.execPath,
      [
        "--test",
        "--import",
        import.meta.resolve("tsx"),
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=tap",
        `--test-reporter-destination=${tapFile}`,
        ...args,
        ...extra,
        ...files,
      ],
      {
        cwd: setup.projectDir,
        env: runnerEnv(colour),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    if (echo) {
      child.stdout.on("data", (chunk: Buffer) => process.stdout.write(chunk));
      child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    } else {
      child.stdout.resume();
      child.stderr.resume();
    }
    return new Promise<NodeRun>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        let tap = "";
        try {
          tap = readFileSync(tapFile, "utf8");
        } catch {
          /* the runner died before reporting */
        }
        rmSync(scratch, { recursive: true, force: true });
        const summary: RunSummary = {
          passed: count(tap, "pass"),
          failed: count(tap, "fail") + count(tap, "cancelled"),
          error: tap === "" && code !== 0 ? 1 : 0,
          skipped: count(tap, "skipped") + count(tap, "todo"),
          xfailed: 0,
          xpassed: 0,
          seconds: (performance.now() - began) / 1000,
          exit_code: code ?? 1,
        };
        resolve({ summary, tap });
      });
    });
  };

  /** One run at a time, as in the Python kernel. */
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const run = queue.then(op);
    queue = run.catch(() => undefined);
    return run;
  };

  const run = (targets: readonly string[]) =>
    serial(async () => {
      const split = targets.map(splitTarget);
      const patterns = split.flatMap((t) => (t.pattern ? [`--test-name-pattern=${t.pattern}`] : []));
      const { summary } = await runNode(
        split.map((t) => t.file),
        patterns,
        true,
      );
      lastSummary = summary;
      return summary;
    });

  const collect = () =>
    serial(async () => {
      const files = findTestFiles(setup.projectDir, setup.projectDir);
      const items: string[] = [];
      for (const file of files) {
        // A pattern nothing matches: every test is reported (skipped) by name, none runs.
        const { tap } = await runNode([file], ["--test-name-pattern=^\\b$"], false);
        for (const match of tap.matchAll(/^ *ok \d+ - (.+?) # SKIP/gm)) items.push(`${file}::${match[1]}`);
      }
      return items;
    });

  const test = async (target?: string) => {
    const summary = await run(target ? [target] : findTestFiles(setup.projectDir, setup.projectDir));
    const parts = (["passed", "failed", "error", "skipped"] as const)
      .filter((key) => summary[key] > 0)
      .map((key) => `${summary[key]} ${key}`);
    process.stdout.write(
      `[${setup.name}] ${parts.length > 0 ? parts.join(", ") : "no tests ran"} in ${summary.seconds.toFixed(2)} s\n`,
    );
  };

  return {
    name: setup.name,
    get lastSummary() {
      return lastSummary;
    },
    test,
    collect_test_items: collect,
    collectTestItems: collect,
    _jaffle_run: async (targets: string[]) => {
      await run(targets);
    },
    _jaffle_summary: () => (lastSummary ? asResult(lastSummary) : undefined),
  };
}
