/**
 * Helpers for the built-in Node kernel's tests: installing its kernelspec into a temporary
 * prefix (the way a user would, through the real CLI) and running Python programs that
 * drive it with jupyter_client, killing whatever they leave behind.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { fixturesDir, isAlive, runJaffle, systemPython, tempDir, waitFor } from "../../helpers/index.js";
import { lastLine } from "../../../src/shared/text.js";

export const nodeKernelFixtures = join(fixturesDir, "node-kernel");
/** The project directory the kernel runs in: TS and JS modules for it to import. */
export const nodeKernelProject = join(nodeKernelFixtures, "project");

/** Installs the kernelspec with `jaffle kernel install --prefix`; returns the JUPYTER_PATH to use. */
export async function installNodeKernel(t: TestContext): Promise<string> {
  const prefix = tempDir(t, "jaffle-node-kernelspec-");
  const installed = await runJaffle(["kernel", "install", "--prefix", prefix], { cwd: prefix });
  assert.equal(installed.code, 0, installed.stderr);
  const dataDir = join(prefix, "share", "jupyter");
  const spec = JSON.parse(readFileSync(join(dataDir, "kernels", "jaffle-node", "kernel.json"), "utf8")) as {
    argv: string[];
  };
  assert.equal(spec.argv[0], process.execPath);
  return dataDir;
}

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/**
 * Runs `/usr/bin/python3 args...` in its own process group with `JUPYTER_PATH` set. Any
 * kernel it announces on stderr (`KERNEL_PID=n`) is killed with its group when the test
 * ends, in case the script died before shutting it down.
 */
export async function runPython(
  t: TestContext,
  args: string[],
  options: { jupyterPath: string; cwd: string; stdin?: string; timeoutMs?: number; runtimeDir?: string },
): Promise<PythonRun & { kernelPids: number[] }> {
  // Connection files (and the kernel's history file beside them) go to a fresh directory.
  const runtimeDir = options.runtimeDir ?? tempDir(t, "jaffle-node-runtime-");
  const child = spawn(systemPython, args, {
    cwd: options.cwd,
    env: { ...process.env, JUPYTER_PATH: options.jupyterPath, JUPYTER_RUNTIME_DIR: runtimeDir, PYTHONUNBUFFERED: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  const kernelPids: number[] = [];
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const match of d.matchAll(/KERNEL_PID=(\d+)/g)) kernelPids.push(Number(match[1]));
  });
  child.stdin.end(options.stdin ?? "");
  t.after(() => {
    if (child.exitCode === null && child.pid) killGroup(child.pid);
    for (const pid of kernelPids) if (isAlive(pid)) killGroup(pid);
  });
  const timer = setTimeout(() => child.pid && killGroup(child.pid), options.timeoutMs ?? 200_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr, kernelPids };
}

export interface IopubRecord {
  msg_type: string;
  content: Record<string, unknown>;
}
export interface ExecuteRecord {
  msg_id: string;
  reply: Record<string, unknown>;
  iopub: IopubRecord[];
}

/** Runs one scenario of drive.py; returns its JSON report after checking the kernel is gone. */
export async function driveScenario<T>(
  t: TestContext,
  scenario: string,
  options: { runtimeDir?: string } = {},
): Promise<T & { pid: number; alive_after_shutdown: boolean }> {
  const jupyterPath = await installNodeKernel(t);
  const run = await runPython(t, [join(nodeKernelFixtures, "drive.py"), scenario], {
    jupyterPath,
    cwd: nodeKernelProject,
    ...options,
  });
  assert.equal(run.code, 0, `drive.py ${scenario} failed:\n${run.stderr}`);
  const report = JSON.parse(lastLine(run.stdout.trim())) as T & {
    pid: number;
    alive_after_shutdown: boolean;
  };
  // shutdown_request must end the kernel process itself, not leave it to a signal.
  assert.equal(report.alive_after_shutdown, false);
  await waitFor(() => !isAlive(report.pid), `kernel pid ${report.pid} to exit after shutdown`);
  return report;
}

/** The `text/plain` of the execute_result among a cell's outputs, if any. */
export function resultText(record: ExecuteRecord): string | undefined {
  const result = record.iopub.find((m) => m.msg_type === "execute_result");
  return (result?.content.data as Record<string, string> | undefined)?.["text/plain"];
}

export function outputTypes(record: ExecuteRecord): string[] {
  return record.iopub.map((m) =>
    m.msg_type === "status" ? `status:${String(m.content.execution_state)}` : m.msg_type,
  );
}
