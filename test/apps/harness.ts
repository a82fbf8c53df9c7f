/**
 * What the app tests share: a Logger that keeps its lines, a real kernel (launchKernel)
 * behind the supervisor's own KernelHost, and an AppContext over them, so apps are
 * exercised against real kernels before (and besides) the full `jaffle start` path.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { AppContext, AppKernel, JaffleApp, JobOutcome } from "../../src/apps/api.js";
import type { AppConfig } from "../../src/config/types.js";
import type { RunningKernel } from "../../src/kernel/launcher.js";
import type { Logger } from "../../src/log/logger.js";
import { KernelHost } from "../../src/supervisor/kernel-host.js";
import { recordingLogger, startTestKernel, type RecordingLogger } from "../helpers/index.js";

export { recordingLogger, type RecordingLogger } from "../helpers/index.js";

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Registers cleanup that runs in reverse order (t.after runs hooks in registration
 * order, but an app must stop before the kernel it lives in shuts down).
 */
export function defer(t: TestContext, cleanup: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: (() => unknown)[] = [];
    stacks.set(t, fresh);
    t.after(async () => {
      for (const fn of fresh.reverse()) {
        try {
          await fn();
        } catch {
          /* keep cleaning up */
        }
      }
    });
    stack = fresh;
  }
  stack.push(cleanup);
}

/** A real kernel (`kernelName` absent: the built-in Node kernel) behind a KernelHost; shut down when the test ends. */
export async function startKernel(
  t: TestContext,
  options: { cwd: string; kernelName?: string; name?: string },
): Promise<{ host: KernelHost; logger: RecordingLogger; kernel: RunningKernel }> {
  const name = options.name ?? "kernel";
  const logger = recordingLogger(name);
  const runtimeDir = join(options.cwd, ".jaffle");
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  const kernel = await startTestKernel(t, {
    runtimeDir,
    cwd: options.cwd,
    kernelName: options.kernelName,
    name,
    logger,
    onCleanup: (cleanup) => defer(t, cleanup),
  });
  const host = new KernelHost(name, kernel.language, logger);
  host.attach(kernel);
  return { host, logger, kernel };
}

/** Runs a job command for real, the way the job runner would (sh -c in the project dir). */
function runCommand(command: string, cwd: string, logger: Logger): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8").on("data", (d: string) =>
      d
        .split("\n")
        .filter(Boolean)
        .forEach((l) => logger.info(l)),
    );
    child.stderr.setEncoding("utf8").on("data", (d: string) =>
      d
        .split("\n")
        .filter(Boolean)
        .forEach((l) => logger.warning(l)),
    );
    child.on("error", () => resolve({ exitCode: null, signal: null, ok: false }));
    child.on("exit", (code, signal) => resolve({ exitCode: code, signal, ok: code === 0 }));
  });
}

export interface ContextOptions {
  name: string;
  className: string;
  options: Record<string, unknown>;
  kernel: AppKernel;
  projectDir: string;
  logger?: RecordingLogger;
  jobs?: Record<string, string>;
  apps?: Record<string, JaffleApp>;
}

export function appContext(
  t: TestContext,
  o: ContextOptions,
): AppContext & { logger: RecordingLogger; jobLogger: RecordingLogger } {
  const config: AppConfig = {
    class: o.className,
    kernel: o.kernel.name,
    logger: { suppress_regex: [], replace_regex: [] },
    options: o.options,
    disabled: false,
    depends_on: [],
  };
  const controller = new AbortController();
  t.after(() => controller.abort());
  const jobLogger = recordingLogger("jobs");
  return {
    name: o.name,
    config,
    options: o.options,
    logger: o.logger ?? recordingLogger(o.name),
    jobLogger,
    kernel: o.kernel,
    projectDir: o.projectDir,
    runtimeDir: join(o.projectDir, ".jaffle"),
    runJob: (name) => {
      const command = o.jobs?.[name];
      if (command === undefined) return Promise.resolve({ exitCode: null, signal: null, ok: false });
      return runCommand(command, o.projectDir, jobLogger);
    },
    app: (name) => o.apps?.[name],
    signal: controller.signal,
  };
}
