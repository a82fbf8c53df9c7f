/**
 * Helpers for the package tests: jaffle installed the way a user installs it (npm pack's
 * tarball, or a git URL) into a fresh project made by `npm init -y`. npm uses its
 * ordinary cache (~/.npm), so a second run fetches nothing; every command runs in its
 * own process group, ended when the test ends.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { repoRoot, tempDir } from "../helpers/index.js";

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for npm and npx: without the npm_* variables of an enclosing `npm test`
 * (its lifecycle and config would leak into the user's npm) and without colour.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  }
  return { ...env, NO_COLOR: "1", npm_config_fund: "false", npm_config_audit: "false", ...extra };
}

/** Runs `command args...` in `cwd` (its own process group, killed if the test ends first). */
export async function run(
  t: TestContext,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandRun> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(killGroup, options.timeoutMs ?? 600_000);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup();
      await exited;
    }
  });
  const code = await exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Fails with the command's output unless it exited 0. */
export async function mustRun(
  t: TestContext,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandRun> {
  const result = await run(t, command, args, options);
  assert.equal(result.code, 0, `${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The version of a devDependency as installed here, so the user project hits npm's cache. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;
}

/** `npm pack` of this repository into a temporary directory; returns the tarball's path. */
export async function packJaffle(t: TestContext): Promise<string> {
  const dir = tempDir(t, "jaffle-pack-");
  const packed = await mustRun(t, "npm", ["pack", "--json", "--pack-destination", dir], { cwd: repoRoot });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string }[];
  return join(dir, info!.filename);
}

/**
 * A fresh project (`npm init -y`) with `spec` (a tarball path or a git URL) installed,
 * plus the project's own TypeScript and Node types at the versions this repository uses.
 */
export async function projectWith(t: TestContext, spec: string): Promise<string> {
  const dir = tempDir(t, "jaffle-user-");
  await mustRun(t, "npm", ["init", "-y"], { cwd: dir });
  await mustRun(
    t,
    "npm",
    [
      "install",
      "--prefer-offline",
      "--save-dev",
      spec,
      `typescript@${installedVersion("typescript")}`,
      `@types/node@${installedVersion("@types/node")}`,
    ],
    { cwd: dir },
  );
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** A user's server class, a plugin typed from "jaffle", a tsconfig and a jaffle.hcl. */
export function userProjectFiles(port: number): Record<string, string> {
  return {
    "src/server.ts": `import { createServer, type Server as HttpServer } from "node:http";

export class Server {
  server: HttpServer | undefined;
  constructor(private readonly argv: string[]) {}
  start(): Promise<void> {
    this.server = createServer((_req, res) => res.end("hello from an installed jaffle\\n"));
    return new Promise((resolve) => this.server!.listen(Number(this.argv[0]), "127.0.0.1", resolve));
  }
  stop(): void {
    this.server?.close();
  }
}
`,
    "plugins/notify.ts": `import type { AppContext, JaffleApp, JaffleConfig, StartJaffleOptions, WatchdogEvent } from "jaffle";
import { startJaffle } from "jaffle";

// The public API's types: plugin, configuration and programmatic entry.
export const options: StartJaffleOptions = { configFiles: ["jaffle.hcl"], readyTimeoutMs: 30_000 };
export type Start = typeof startJaffle;
export type Kernels = JaffleConfig["kernel"];

export class NotifyApp implements JaffleApp {
  constructor(private readonly ctx: AppContext) {}

  async setup(): Promise<void> {
    const outcome = await this.ctx.kernel.execute("6 * 7");
    this.ctx.logger.info(\`plugin set up, the kernel says \${outcome.status === "ok" ? outcome.result : outcome.status}\`);
  }

  handleWatchdogEvent(event: WatchdogEvent): void {
    this.ctx.logger.info(\`\${event.event_type}: \${event.src_path}\`);
  }
}
`,
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          strict: true,
          noEmit: true,
          types: ["node"],
          // The shipped declarations are checked too, not only this project's files.
          skipLibCheck: false,
        },
        include: ["src", "plugins"],
      },
      null,
      2,
    ),
    "jaffle.hcl": `kernel "web" {}

app "api" {
  class  = "ServerBridgeApp"
  kernel = "web"
  start  = "await api.start()"
  options {
    app_class = "./src/server.ts#Server"
    argv      = ["${port}"]
  }
  ready { url = "http://127.0.0.1:${port}/" }
}

app "notify" {
  class  = "./plugins/notify.ts#NotifyApp"
  kernel = "web"
}
`,
  };
}

/**
 * The user's checks in an installed project: the shipped types type-check their code,
 * and `npx jaffle start --exit-when-ready` brings the server up (its ready check is an
 * HTTP request the server answered) and exits 0.
 */
export async function checkInstalledProject(t: TestContext, dir: string, port: number): Promise<void> {
  writeFiles(dir, userProjectFiles(port));
  await mustRun(t, "npx", ["--no-install", "tsc", "--noEmit"], { cwd: dir });
  const start = await run(t, "npx", ["--no-install", "jaffle", "start", "--exit-when-ready", "--no-color"], {
    cwd: dir,
    timeoutMs: 180_000,
  });
  assert.equal(start.code, 0, start.stdout + start.stderr);
  assert.match(start.stdout, /notify\s+I plugin set up, the kernel says 42$/m);
  assert.match(start.stdout, /jaffle I ready in .*: 1 kernel, 2 apps, 0 processes$/m);
}
