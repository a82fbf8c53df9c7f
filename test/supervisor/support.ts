/**
 * Helpers for the supervisor tests: a project directory with a jaffle.hcl, the status
 * file of the jaffle running there, and checks that every process it started is gone.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { isGroupAlive } from "../../src/process/groups.js";
import { readStatus, type RuntimeStatus } from "../../src/runtime/status.js";
import { startJaffle, tempDir, waitFor, type RunningJaffle, nth } from "../helpers/index.js";

/** Kernel block bodies: the built-in Node kernel (a block's default) and ipykernel. */
export const NODE_KERNEL = "";
export const PYTHON_KERNEL = `kernel_name = "python3"`;

export function project(t: TestContext, config: string, files: Record<string, string> = {}): string {
  const dir = tempDir(t, "jaffle-sup-");
  writeFileSync(join(dir, "jaffle.hcl"), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function statusOf(dir: string, runtimeDir = ".jaffle"): RuntimeStatus | undefined {
  return readStatus(join(dir, runtimeDir));
}

/** Every process group the status names: kernels and processes. */
export function groupsOf(status: RuntimeStatus): number[] {
  return [
    ...Object.values(status.kernels).map((kernel) => kernel.pid),
    ...Object.values(status.processes).flatMap((proc) => (proc.pid ? [proc.pid] : [])),
  ];
}

/** Starts jaffle and waits for its ready line; returns it with its status file. */
export async function startReady(
  t: TestContext,
  dir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ jaffle: RunningJaffle; status: RuntimeStatus }> {
  const jaffle = startJaffle(t, ["start", "--no-color", ...args], { cwd: dir, env });
  await jaffle.waitForOutput(/ready in \d+\.\d+ s/, 120_000);
  const processes = readFileSync(join(dir, "jaffle.hcl"), "utf8").match(/^process "/gm)?.length ?? 0;
  const runtimeDirAt = args.indexOf("--runtime-dir");
  const runtimeDir = runtimeDirAt >= 0 ? nth(args, runtimeDirAt + 1) : ".jaffle";
  const status = await waitFor(() => {
    const s = statusOf(dir, runtimeDir);
    // Process pids are written on the tick after they spawned; one that is between
    // restarts has none.
    const all = s && Object.keys(s.processes).length === processes;
    return all && Object.values(s.processes).every((p) => p.pid !== null || p.state !== "running") ? s : undefined;
  }, "the status file");
  return { jaffle, status };
}

/** Waits until no process of these groups runs (zombies count as gone). */
export async function waitGroupsGone(pgids: number[], timeoutMs = 30_000): Promise<void> {
  await waitFor(
    () => pgids.every((pgid) => !isGroupAlive(pgid)),
    () => `process groups ${pgids.filter((pgid) => isGroupAlive(pgid)).join(", ")} to end`,
    timeoutMs,
  );
}

/** The lines of `text` that are log lines of `source` (pretty, --no-color format). */
export function linesOf(text: string, source: string): string[] {
  const pattern = new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +${source} [CEWID] (.*)$`);
  return text.split("\n").flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [nth(match, 1)] : [];
  });
}
