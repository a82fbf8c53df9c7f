/**
 * End to end: `jaffle start` on a copy of each example in a temp dir, with real kernels,
 * real file edits and real HTTP. Ports are replaced by free ones; nothing else of the
 * configurations changes unless a test says so.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { statusOf } from "../supervisor/support.js";
import {
  freePort,
  needsPython,
  repoRoot,
  runJaffle,
  type RunningJaffle,
  startJaffle,
  tempDir,
  waitFor,
} from "../helpers/index.js";

async function body(port: number, path = "/"): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
    return (await response.text()).trim();
  } catch {
    return undefined;
  }
}

/** Copies an example, gives it the repository's node_modules, and edits its jaffle.hcl. */
function copyExample(t: TestContext, name: string, edit: (hcl: string) => string): string {
  const dir = tempDir(t, `jaffle-example-${name}-`);
  cpSync(join(repoRoot, "examples", name), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${join("examples", name)}/.jaffle`),
  });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const hclPath = join(dir, "jaffle.hcl");
  writeFileSync(
    hclPath,
    edit(readFileSync(hclPath, "utf8").replaceAll("../../node_modules/", `${join(repoRoot, "node_modules")}/`)),
  );
  return dir;
}

async function started(t: TestContext, dir: string): Promise<RunningJaffle> {
  // NODE_TEST_CONTEXT would make the example's own `node --test` job think it runs
  // under this test runner.
  const jaffle = startJaffle(t, ["start", "-y"], { cwd: dir, env: { NODE_TEST_CONTEXT: undefined } });
  await jaffle.waitForOutput(/ready in/, 120_000);
  t.after(async () => {
    if (jaffle.child.exitCode === null && jaffle.child.signalCode === null && jaffle.child.pid) {
      try {
        process.kill(-jaffle.child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    await jaffle.exited;
  });
  return jaffle;
}

/** waitFor, with jaffle's output in the failure message (what happened is in the log). */
async function served(jaffle: RunningJaffle, port: number, expected: string, what: string): Promise<void> {
  try {
    await waitFor(async () => (await body(port)) === expected, what, 60_000);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n--- jaffle stdout:\n${jaffle.stdout()}\n--- stderr:\n${jaffle.stderr()}`,
      { cause: error },
    );
  }
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, "g")) ?? []).length;

for (const threaded of [false, true]) {
  test(
    `node_server (${threaded ? "threaded" : "on the kernel's loop"}): an edit is served, a broken save is logged and the next one recovers`,
    { timeout: 240_000 },
    async (t) => {
      const port = await freePort();
      const dir = copyExample(t, "node_server", (hcl) =>
        hcl.replaceAll("8080", String(port)).replace("threaded = false", `threaded = ${threaded}`),
      );
      const jaffle = await started(t, dir);
      assert.equal(await body(port), "Hello from the Node kernel");
      const greeting = join(dir, "src", "greeting.ts");
      writeFileSync(greeting, 'export const greeting = "second";\n');
      await served(jaffle, port, "second", "the edited greeting");
      writeFileSync(greeting, "export const greeting = ;\n");
      await jaffle.waitForOutput(/web\s+E .*(Transform failed|SyntaxError|Unexpected)/, 60_000);
      writeFileSync(greeting, 'export const greeting = "recovered";\n');
      await served(jaffle, port, "recovered", "the recovered server");
      assert.match(jaffle.stdout(), /watchdog\s+I modified src\/greeting\.ts/);
      assert.match(jaffle.stdout(), /web\s+I GET \/ 200/, "the server's console output is a log line of the app");
      await jaffle.waitForOutput(/tests\s+I 2 passed in \d+\.\d\d s/, 60_000);
    },
  );
}

test("node_server: a burst of saves gives one restart with debounce", { timeout: 240_000 }, async (t) => {
  const port = await freePort();
  const dir = copyExample(t, "node_server", (hcl) =>
    hcl
      .replaceAll("8080", String(port))
      .replace(
        'code_blocks        = ["web.handle_watchdog_event({event})"]',
        'debounce = 0.5\n        code_blocks = ["web.handle_watchdog_event({event})"]',
      ),
  );
  const jaffle = await started(t, dir);
  const greeting = join(dir, "src", "greeting.ts");
  for (let i = 1; i <= 5; i++) {
    writeFileSync(greeting, `export const greeting = "burst ${i}";\n`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  await served(jaffle, port, "burst 5", "the last save served");
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(count(jaffle.stdout(), /\[web\] restarted/), 1, jaffle.stdout());
});

for (const threaded of [true, false]) {
  test(
    `tornado example (the seed's configuration${threaded ? "" : ", threaded = false"}): an edit restarts the app`,
    { timeout: 240_000, ...needsPython("python3-tornado", "python3-traitlets") },
    async (t) => {
      const port = await freePort();
      const dir = copyExample(t, "tornado", (hcl) =>
        hcl
          .replace("--port=9999", `--port=${port}`)
          .replace("threaded           = true", `threaded           = ${threaded}`),
      );
      const jaffle = await started(t, dir);
      await served(jaffle, port, "Hello from Tornado", "the Tornado app");
      writeFileSync(join(dir, "my_module", "greeting.py"), 'GREETING = "edited"\n');
      await served(jaffle, port, "edited", "the edited greeting");
      writeFileSync(join(dir, "my_module", "greeting.py"), "GREETING = \n");
      await jaffle.waitForOutput(/tornado_app\s+E .*SyntaxError/, 60_000);
      writeFileSync(join(dir, "my_module", "greeting.py"), 'GREETING = "again"\n');
      await served(jaffle, port, "again", "the recovered app");
      assert.match(
        jaffle.stdout(),
        /tornado_app\s+\w tornado\.access: 200 GET \//,
        "Tornado's log lines are the app's",
      );
    },
  );
}

test(
  "notebook_server example: the server answers in the background of its kernel",
  { timeout: 240_000, ...needsPython("python3-tornado", "python3-notebook") },
  async (t) => {
    const port = await freePort();
    const dir = copyExample(t, "notebook_server", (hcl) => hcl.replaceAll("8888", String(port)));
    await started(t, dir);
    assert.equal(await body(port), "Hello from the background of a kernel");
    const response = await fetch(`http://127.0.0.1:${port}/results`, { method: "POST", body: "x" });
    assert.equal(response.status, 201);
    assert.deepEqual(JSON.parse((await body(port, "/results")) ?? "null"), { results: ["x"] });
  },
);

test(
  "notebook_server example: from `jaffle console`, the live app object answers and a blocking request reaches the server",
  { timeout: 240_000, ...needsPython("python3-tornado", "python3-notebook") },
  async (t) => {
    // The first seed's wish: the server runs in the background of the kernel, and code typed
    // into that kernel reaches the application object and makes blocking HTTP requests.
    const port = await freePort();
    const dir = copyExample(t, "notebook_server", (hcl) => hcl.replaceAll("8888", String(port)));
    await started(t, dir);
    const code = [
      "import urllib.request",
      `print(urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=10).read().decode())`,
      "print(type(server.app).__name__, server.running)",
      "",
    ].join("\n");
    const { code: exit, stdout, stderr } = await runJaffle(["console", "py_kernel"], { cwd: dir, stdin: code });
    assert.equal(exit, 0, stderr);
    assert.match(stdout, /Hello from the background of a kernel/);
    assert.match(stdout, /InteractiveApp True/);
  },
);

test(
  "node_server example: from `jaffle console`, the live server object answers while it serves",
  { timeout: 240_000 },
  async (t) => {
    const port = await freePort();
    const dir = copyExample(t, "node_server", (hcl) => hcl.replaceAll("8080", String(port)));
    await started(t, dir);
    const {
      code: exit,
      stdout,
      stderr,
    } = await runJaffle(["console", "node_kernel"], {
      cwd: dir,
      stdin: "web.server.address().port\n(await fetch(`http://127.0.0.1:${web.server.address().port}/`)).status\n",
    });
    assert.equal(exit, 0, stderr);
    assert.match(stdout, new RegExp(`^${port}$`, "m"));
    assert.match(stdout, /^200$/m);
  },
);

/** The pid of the process whose command line mentions `needle` (a kernel's connection file). */
function pidWith(needle: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) return Number(entry);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

test(
  "tornado example: after its kernel is killed and restarted, the app serves again and saves still restart it",
  { timeout: 240_000, ...needsPython("python3-tornado", "python3-traitlets") },
  async (t) => {
    const port = await freePort();
    const dir = copyExample(t, "tornado", (hcl) => hcl.replace("--port=9999", `--port=${port}`));
    const jaffle = await started(t, dir);
    await served(jaffle, port, "Hello from Tornado", "the Tornado app");
    const kernelPid = pidWith(join(dir, ".jaffle"));
    assert.ok(kernelPid, "the kernel process");
    const killedAt = Date.now();
    process.kill(kernelPid, "SIGKILL");
    await jaffle.waitForOutput(/py_kernel\s+\w .*died/, 60_000);
    await waitFor(
      () => {
        const pid = pidWith(join(dir, ".jaffle"));
        return pid !== undefined && pid !== kernelPid;
      },
      "a new kernel",
      60_000,
    );
    await served(jaffle, port, "Hello from Tornado", "the app in the new kernel");
    // The new kernel's apps start in parallel: the Tornado app may answer before the
    // watchdog watches. A save is only meaningful once every app of the new kernel runs.
    await waitFor(
      () => {
        const apps = Object.values(statusOf(dir)?.apps ?? {});
        return apps.length > 0 && apps.every((app) => app.state === "running" && Date.parse(app.since) >= killedAt);
      },
      "every app of the new kernel running",
      60_000,
    );
    writeFileSync(join(dir, "my_module", "greeting.py"), 'GREETING = "after the kernel restart"\n');
    await served(jaffle, port, "after the kernel restart", "a restart by the watchdog in the new kernel");
  },
);
