/**
 * A real Jupyter Server (Debian's jupyter_server 1.23) for the remote-kernel tests: on
 * 127.0.0.1 with a token, in its own process group, with temporary root, runtime,
 * config, data and IPython directories (nothing touches ~/.jupyter). Readiness is
 * GET /api/status answering 200. It can be stopped and started again on the same port;
 * when the test ends it is stopped and every kernel process it started is gone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { freePort, systemPython, tempDir, waitFor } from "../../helpers/index.js";

export interface JupyterServer {
  url: string;
  token: string;
  port: number;
  rootDir: string;
  /** SIGTERM (the server shuts its kernels down), then waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
  /** GET /api/kernels: the ids of the kernels the server runs. */
  kernelIds(): Promise<string[]>;
  /** The pid of the process of one of the server's kernels. */
  kernelPid(kernelId: string): number | undefined;
}

/** Processes whose command line mentions `text` (the kernels name their connection file). */
function pidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

export async function startJupyterServer(
  t: TestContext,
  options: { rootDir: string; extraArgs?: string[] },
): Promise<JupyterServer> {
  const home = tempDir(t, "jaffle-jupyter-");
  const dirs = { runtime: join(home, "runtime"), config: join(home, "config"), data: join(home, "data") };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const token = `tok-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const proc = spawn(
      systemPython,
      [
        "-m",
        "jupyter_server",
        `--ServerApp.token=${token}`,
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--ServerApp.port_retries=0",
        "--no-browser",
        "--allow-root",
        `--ServerApp.root_dir=${options.rootDir}`,
        ...(options.extraArgs ?? []),
      ],
      {
        cwd: options.rootDir,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          LANG: "C.UTF-8",
          JUPYTER_RUNTIME_DIR: dirs.runtime,
          JUPYTER_CONFIG_DIR: dirs.config,
          JUPYTER_DATA_DIR: dirs.data,
          IPYTHONDIR: join(home, "ipython"),
          PYDEVD_DISABLE_FILE_VALIDATION: "1",
        },
        detached: true,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let log = "";
    proc.stderr!.setEncoding("utf8").on("data", (text: string) => (log += text));
    child = proc;
    let gone = false;
    exited = new Promise<void>((resolve) =>
      proc.once("exit", () => {
        gone = true;
        resolve();
      }),
    );
    await waitFor(
      async () => {
        if (gone) throw new Error(`jupyter_server exited:\n${log}`);
        const response = await fetch(`${url}api/status`, { headers: { Authorization: `token ${token}` } });
        return response.status === 200;
      },
      "jupyter_server to answer /api/status",
      60_000,
      50,
    );
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc?.pid || proc.exitCode !== null) return;
    process.kill(-proc.pid, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      process.kill(-proc.pid, "SIGKILL");
      await exited;
    }
  };

  t.after(async () => {
    await stop();
    // The kernels run in their own sessions; they end with the server (and by
    // themselves when it is gone). Any left over is killed.
    try {
      await waitFor(() => pidsMentioning(dirs.runtime).length === 0, "the server's kernels to end", 10_000);
    } catch {
      for (const pid of pidsMentioning(dirs.runtime)) process.kill(pid, "SIGKILL");
    }
  });
  await start();

  return {
    url,
    token,
    port,
    rootDir: options.rootDir,
    stop,
    start,
    kernelIds: async () => {
      const response = await fetch(`${url}api/kernels`, { headers: { Authorization: `token ${token}` } });
      const kernels = (await response.json()) as { id: string }[];
      return kernels.map((kernel) => kernel.id).sort();
    },
    kernelPid: (kernelId) => pidsMentioning(`kernel-${kernelId}.json`)[0],
  };
}
