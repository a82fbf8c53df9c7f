/**
 * Remote kernels through a real Jupyter Server (Debian's jupyter_server 1.23): jaffle
 * starts a Python kernel there and runs the Tornado bridge and watchdog code blocks in
 * it, `jaffle console` attaches to it, a kernel killed on the server is replaced with its
 * apps, a server stopped mid-run is reported and recovered from, a wrong token and an
 * unreachable server are one-line errors, shutdown deletes exactly jaffle's kernels, and
 * the token appears in no log line and no file jaffle wrote.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { freePort, repoRoot, runJaffle, waitFor } from "../helpers/index.js";
import { project, startReady, statusOf } from "../supervisor/support.js";
import { startJupyterServer, type JupyterServer } from "./gateway-support.js";

const TEN_MINUTES = 600_000;

function config(server: { url: string }, port: number, extra = ""): string {
  return `
kernel "py" {
  kernel_name = "python3"
  gateway {
    url   = "${server.url}"
    token = "\${env("GW_TOKEN")}"
  }
}

app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py"
  options {
    handlers = [
      {
        patterns           = ["*.py"]
        ignore_directories = true
        code_blocks        = ["print('code block saw', {event}['src_path'])", "tornado_app.handle_watchdog_event({event})"]
      },
    ]
  }
}

app "tornado_app" {
  class  = "jaffle.app.tornado.TornadoBridgeApp"
  kernel = "py"
  start  = "tornado_app.start()"
  options {
    app_class   = "my_module.app.ExampleApp"
    argv        = ["--port=${port}"]
    threaded    = true
    clear_cache = ["my_module"]
    ready_url   = "http://127.0.0.1:${port}/"
  }
}
${extra}`;
}

async function fetchText(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return (await response.text()).trim();
}

/** A project with the Tornado example module; the server's root is the project itself. */
async function remoteProject(t: TestContext, extraArgs: string[] = []) {
  const port = await freePort();
  const dir = project(t, "");
  cpSync(join(repoRoot, "examples", "tornado", "my_module"), join(dir, "my_module"), { recursive: true });
  const server = await startJupyterServer(t, { rootDir: dir, extraArgs });
  writeFileSync(join(dir, "jaffle.hcl"), config(server, port));
  return { dir, port, server, env: { GW_TOKEN: server.token } };
}

/** Every regular file under `dir` (recursively), as text. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stats = statSync(path);
    if (stats.isDirectory()) out.push(...filesUnder(path));
    // Regular files only: the control socket lives here too, and a socket has no content.
    else if (stats.isFile()) out.push([path, readFileSync(path, "latin1")]);
  }
  return out;
}

function assertNoToken(server: JupyterServer, where: string, text: string): void {
  assert.ok(!text.includes(server.token), `the token appears in ${where}`);
}

test(
  "a Python kernel on a Jupyter Server: Tornado bridge, watchdog code blocks, console, status, kill and recovery, shutdown",
  { timeout: TEN_MINUTES },
  async (t) => {
    const { dir, port, server, env } = await remoteProject(t);
    // A kernel someone else started on the same server: jaffle must leave it alone.
    const foreign = await fetch(`${server.url}api/kernels`, {
      method: "POST",
      headers: { Authorization: `token ${server.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "python3" }),
    });
    const foreignId = ((await foreign.json()) as { id: string }).id;

    const { jaffle, status } = await startReady(t, dir, [], env);
    assert.equal(await fetchText(port), "Hello from Tornado");
    const first = status.remoteKernels?.py;
    assert.ok(first, "the status file lists py as a remote kernel");
    assert.equal(first.server, server.url);
    assert.equal(first.language, "python");
    assert.deepEqual(status.kernels, {});
    assert.deepEqual(await server.kernelIds(), [first.kernelId, foreignId].sort());

    const shown = await runJaffle(["status"], { cwd: dir, env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`py +remote +python +0 +kernel ${first.kernelId} on ${server.url}`));

    // A watchdog event runs both code blocks in the remote kernel: the bridge restarts.
    writeFileSync(join(dir, "my_module", "greeting.py"), `GREETING = "Hello again"\n`);
    await jaffle.waitForOutput(/watchdog I code block saw my_module\/greeting\.py/, 60_000);
    await waitFor(async () => (await fetchText(port)) === "Hello again", "the restarted app's new greeting", 60_000);

    // jaffle console on the remote kernel: state is shared with the apps.
    const consoled = await runJaffle(["console", "py"], {
      cwd: dir,
      env,
      stdin: "import my_module.greeting as g\nprint('console sees', g.GREETING)\n",
      timeoutMs: 120_000,
    });
    assert.equal(consoled.code, 0, consoled.stderr);
    assert.match(consoled.stdout, /console sees Hello again/);

    // Killed on the server side: the server's restarter replaces the process (its state is
    // gone), jaffle deletes that kernel and starts a new one with its apps.
    const pid = await waitFor(() => server.kernelPid(first.kernelId), "the kernel's process");
    process.kill(pid, "SIGKILL");
    await jaffle.waitForOutput(/py W kernel died \(.*\); starting it again \(restart 1/, 120_000);
    const after = await waitFor(
      () => {
        const s = statusOf(dir);
        const py = s?.remoteKernels?.py;
        return py && py.kernelId !== first.kernelId ? py : undefined;
      },
      "the new remote kernel in the status file",
      120_000,
    );
    assert.equal(after.restarts, 1);
    await jaffle.waitForOutput(/tornado_app I created again in the new kernel py/, 120_000);
    await waitFor(async () => (await fetchText(port).catch(() => "")) === "Hello again", "the app again", 60_000);
    await waitFor(
      async () => JSON.stringify(await server.kernelIds()) === JSON.stringify([after.kernelId, foreignId].sort()),
      "the dead kernel to be deleted on the server",
    );

    // Files jaffle wrote while running hold no token.
    for (const [path, text] of filesUnder(join(dir, ".jaffle"))) assertNoToken(server, path, text);

    process.kill(jaffle.child.pid!, "SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    assert.deepEqual(await server.kernelIds(), [foreignId], "shutdown deleted jaffle's kernels only");
    assertNoToken(server, "jaffle's stdout", jaffle.stdout());
    assertNoToken(server, "jaffle's stderr", jaffle.stderr());
    assertNoToken(server, "the console's output", consoled.stdout + consoled.stderr);
    for (const [path, text] of filesUnder(dir)) {
      if (!path.endsWith("jaffle.hcl")) assertNoToken(server, path, text);
    }
  },
);

test(
  "a wrong token and an unreachable server are one-line errors; --exit-when-ready exits 1",
  { timeout: TEN_MINUTES },
  async (t) => {
    const { dir, server } = await remoteProject(t);
    const wrong = await runJaffle(["start", "--no-color", "--exit-when-ready"], {
      cwd: dir,
      env: { GW_TOKEN: "not-the-token-0123456789" },
      timeoutMs: 120_000,
    });
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stdout,
      new RegExp(
        `jaffle E kernel py failed: the Jupyter server at ${server.url} rejected the token \\(HTTP 403 on GET /api/kernelspecs\\)\\n`,
      ),
    );
    assert.ok(!wrong.stdout.includes("not-the-token-0123456789") && !wrong.stderr.includes("not-the-token-0123456789"));

    const closedPort = await freePort();
    writeFileSync(join(dir, "jaffle.hcl"), config({ url: `http://127.0.0.1:${closedPort}/` }, 1));
    const unreachable = await runJaffle(["start", "--no-color", "--exit-when-ready"], {
      cwd: dir,
      env: { GW_TOKEN: server.token },
      timeoutMs: 120_000,
    });
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stdout,
      new RegExp(
        `kernel py failed: cannot reach the Jupyter server at http://127.0.0.1:${closedPort}/: ECONNREFUSED\\n`,
      ),
    );
    assert.deepEqual(await server.kernelIds(), []);
  },
);

test(
  "the server stopped mid-run: the lost connection is logged, and the kernel comes back with its apps (legacy JSON format)",
  { timeout: TEN_MINUTES },
  async (t) => {
    // kernel_ws_protocol="" makes the server refuse the v1 subprotocol: jaffle falls back to JSON.
    const { dir, port, server, env } = await remoteProject(t, ["--ServerApp.kernel_ws_protocol="]);
    const { jaffle, status } = await startReady(t, dir, ["--debug"], env);
    assert.match(jaffle.stdout(), /does not offer v1\.kernel\.websocket\.jupyter\.org; using the JSON message format/);
    assert.equal(await fetchText(port), "Hello from Tornado");
    const first = status.remoteKernels!.py!;

    await server.stop();
    await jaffle.waitForOutput(/py W lost the WebSocket to kernel .* reconnecting/, 60_000);
    await jaffle.waitForOutput(
      /py W cannot reach the kernel channels of .*: ECONNREFUSED \(attempt \d+; next in/,
      60_000,
    );
    await server.start();
    await jaffle.waitForOutput(/py E the server no longer has kernel /, 120_000);
    await jaffle.waitForOutput(/py I kernel is back \(kernel id /, 120_000);
    await jaffle.waitForOutput(/tornado_app I created again in the new kernel py/, 120_000);
    await waitFor(
      async () => (await fetchText(port).catch(() => "")) === "Hello from Tornado",
      "the app again",
      60_000,
    );
    const now = statusOf(dir)!.remoteKernels!.py!;
    assert.notEqual(now.kernelId, first.kernelId);
    assert.deepEqual(await server.kernelIds(), [now.kernelId]);

    process.kill(jaffle.child.pid!, "SIGTERM");
    assert.equal((await jaffle.exited).code, 0);
    assert.deepEqual(await server.kernelIds(), []);
    assertNoToken(server, "jaffle's output", jaffle.stdout() + jaffle.stderr());
  },
);
