/**
 * `jaffle status`: what the jaffle of this directory runs (kernels, apps, processes,
 * pids, uptime, restarts). `--json` prints the status file itself for scripts.
 * Exit status 1 when no jaffle runs here.
 */
import { inspectRuntimeDir, resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import { readStatus, type RuntimeStatus } from "../../runtime/status.js";
import type { JaffleCommand } from "../main.js";

export interface StatusArgs {
  "runtime-dir"?: string;
  json: boolean;
}

/** 3 d 4 h, 2 h 5 min, 4 min 12 s, 9 s. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [col, cell] of row.entries()) widths[col] = Math.max(widths[col] ?? 0, cell.length);
  return rows.map(
    (row) =>
      "  " +
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join("  ")
        .trimEnd(),
  );
}

/** The human-readable report. */
export function formatStatus(status: RuntimeStatus, runtimeDir: string, now = Date.now()): string {
  const lines = [
    `jaffle is running: pid ${status.pid}, up ${formatUptime(now - Date.parse(status.startedAt))} ` +
      `(since ${status.startedAt}), in ${status.projectDir}`,
    `runtime directory: ${runtimeDir}`,
  ];
  const kernels = Object.entries(status.kernels);
  const remoteKernels = Object.entries(status.remoteKernels ?? {});
  lines.push("", `kernels (${kernels.length + remoteKernels.length}):`);
  if (kernels.length + remoteKernels.length > 0) {
    lines.push(
      ...table([
        ["NAME", "STATE", "PID", "LANGUAGE", "RESTARTS", "CONNECTION FILE"],
        ...kernels.map(([name, k]) => [
          name,
          k.state === "failed" && k.reason ? `failed: ${k.reason}` : k.state,
          String(k.pid),
          k.language,
          String(k.restarts),
          k.connectionFile,
        ]),
        // A kernel on a Jupyter server (issue 15): `remote`, and its id on that server.
        ...remoteKernels.map(([name, k]) => [
          name,
          "remote",
          "",
          k.language,
          String(k.restarts),
          `kernel ${k.kernelId} on ${k.server}`,
        ]),
      ]),
    );
  }
  const apps = Object.entries(status.apps);
  lines.push("", `apps (${apps.length}):`);
  if (apps.length > 0) {
    lines.push(
      ...table([
        ["NAME", "KERNEL", "CLASS", "STATE"],
        // The reason last: it is the one long cell, and says what to fix.
        ...apps.map(([name, a]) => [
          name,
          a.kernel,
          a.class,
          a.state === "failed" ? `failed: ${a.reason ?? "(no reason given)"}` : a.state,
        ]),
      ]),
    );
  }
  const processes = Object.entries(status.processes);
  lines.push("", `processes (${processes.length}):`);
  if (processes.length > 0) {
    lines.push(
      ...table([
        ["NAME", "PID", "STATE", "RESTARTS", "UPTIME"],
        ...processes.map(([name, p]) => [
          name,
          p.pid === null ? "-" : String(p.pid),
          p.state,
          String(p.restarts),
          p.startedAt && p.pid !== null ? formatUptime(now - Date.parse(p.startedAt)) : "-",
        ]),
      ]),
    );
  }
  return lines.join("\n") + "\n";
}

export const statusCommand: JaffleCommand<StatusArgs> = {
  command: "status",
  describe: "Show what the jaffle of this directory runs (exit 1 when none runs)",
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of that jaffle (default .jaffle)" },
    json: { type: "boolean", default: false, describe: "Print the status file (JSON)" },
  },
  run: async (args) => {
    const dir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    const found = inspectRuntimeDir(dir);
    // The supervisor's own record over the control socket; the status file (the same
    // record, written on every change) when the socket does not answer.
    const { request } = await import("../../control/client.js");
    const live =
      found.kind === "running" ? await request(dir, { command: "status" }).catch(() => undefined) : undefined;
    const status = live ?? (found.kind === "running" ? readStatus(dir) : undefined);
    if (!status) {
      const why =
        found.kind === "stale"
          ? `its runtime files in ${dir} are stale${found.pid ? ` (pid ${found.pid} is gone)` : ""}; "jaffle stop" removes them`
          : found.kind === "running"
            ? `jaffle (pid ${found.pid}) is starting; no status yet`
            : `nothing in ${dir}`;
      process.stderr.write(`jaffle: no jaffle is running here: ${why}\n`);
      return 1;
    }
    process.stdout.write(args.json ? JSON.stringify(status, null, 2) + "\n" : formatStatus(status, dir));
    return 0;
  },
};
