/**
 * Kernelspec discovery and the launcher, with real kernel processes: ipykernel from the
 * `python3` kernelspec, and small shell "kernels" from temporary kernelspecs for the
 * failure paths.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { BUILTIN_KERNEL_NAME } from "../../src/kernel/builtin-spec.js";
import { allocatePorts, readConnectionFile, type PortPicker } from "../../src/kernel/connection.js";
import {
  findKernelSpecs,
  jupyterDataPath,
  kernelArgv,
  kernelSpecEnv,
  resolveKernelSpec,
} from "../../src/kernel/kernelspec.js";
import {
  kernelEnvironment,
  launchKernel,
  PORT_COLLISION_ATTEMPTS,
  type LaunchKernelOptions,
} from "../../src/kernel/launcher.js";
import { isMessageType, type JupyterMessage } from "../../src/kernel/messages.js";
import { createServer, type Server } from "node:net";
import type { ProcessGroupTracker } from "../../src/process/tracker.js";
import { isAlive, needsPython, nth, tempDir, type RecordingLogger } from "../helpers/index.js";
import { recordingLogger } from "./protocol-support.js";

function writeSpec(root: string, name: string, spec: Record<string, unknown>): string {
  const dir = join(root, "kernels", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec));
  return dir;
}

/** Points JUPYTER_PATH at `dir` for this test only. */
function withJupyterPath(t: TestContext, dir: string): void {
  const saved = process.env.JUPYTER_PATH;
  process.env.JUPYTER_PATH = dir;
  t.after(() => {
    if (saved === undefined) delete process.env.JUPYTER_PATH;
    else process.env.JUPYTER_PATH = saved;
  });
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Listening TCP sockets from /proc/net/tcp as "address:port" (address in hex, as the kernel prints it). */
function listeningSockets(): Set<string> {
  const out = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== "0A") continue; // LISTEN
      const [address, port] = nth(fields, 1).split(":");
      out.add(`${address}:${parseInt(port!, 16)}`);
    }
  }
  return out;
}

function recordingTracker() {
  const events: string[] = [];
  const tracker: ProcessGroupTracker = {
    track: (pgid, label) => void events.push(`track ${pgid} ${label}`),
    untrack: (pgid) => void events.push(`untrack ${pgid}`),
  };
  return { tracker, events };
}

function pythonOptions(t: TestContext, extra: Partial<LaunchKernelOptions> = {}): LaunchKernelOptions {
  const dir = tempDir(t, "jaffle-launch-");
  return {
    name: "py",
    kernelName: "python3",
    runtimeDir: join(dir, ".jaffle"),
    cwd: dir,
    passEnv: [],
    env: {},
    logger: recordingLogger("py"),
    startupTimeoutMs: 120_000,
    ...extra,
  };
}

/** A real listener on a free 127.0.0.1 port, held by the test: another process's port. */
async function holdAPort(t: TestContext): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

/**
 * Free ports, except that the first `collisions` picks put `held` at `slot` (0 shell,
 * 1 iopub, 2 stdin, 3 control, 4 hb): another process took that port between the pick
 * and the kernel's bind. Records every pick.
 */
function collidingPicker(held: number, slot: number, collisions: number): { pick: PortPicker; picks: number[][] } {
  const picks: number[][] = [];
  const pick: PortPicker = async (count) => {
    const ports = (await allocatePorts(count)).map((port) => (port === held ? port + 1 : port));
    if (picks.length < collisions) ports[slot] = held;
    picks.push(ports);
    return ports;
  };
  return { pick, picks };
}

/** The launch recovered from a taken port: one warning, the dead kernel's groups gone. */
async function assertRelaunched(
  t: TestContext,
  options: LaunchKernelOptions,
  picks: number[][],
  events: string[],
  held: number,
): Promise<void> {
  const kernel = await launchKernel(options);
  t.after(() => kernel.shutdown());
  const logger = options.logger as RecordingLogger;
  assert.equal(picks.length, 2, logger.text());
  assert.deepEqual(logger.at("warning"), [
    logger
      .at("warning")
      .find((line) =>
        /^a port chosen for the kernel was taken before it could bind it \(.*Address already in use\); relaunching with fresh ports \(attempt 2 of \d+\)$/.test(
          line,
        ),
      ) ?? `(no relaunch warning in)\n${logger.text()}`,
  ]);
  // The first kernel's traceback is kept for --debug.
  assert.ok(
    logger.at("debug").some((line) => line.includes("Address already in use")),
    logger.text(),
  );
  const info = await readConnectionFile(kernel.connectionFile);
  assert.deepEqual([info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port], picks[1]);
  assert.ok(!nth(picks, 1).includes(held));
  const first = Number(nth(events, 0).split(" ")[1]);
  assert.deepEqual(events, [
    `track ${first} kernel ${options.name}`,
    `untrack ${first}`,
    `track ${kernel.pid} kernel ${options.name}`,
  ]);
  assert.ok(groupGone(first), "the kernel that could not bind is gone with its group");
  // The relaunched kernel works, heartbeat included.
  const { reply } = await kernel.client.execute("1 + 1", { timeoutMs: 60_000 });
  assert.equal(reply.content.status, "ok");
  assert.equal(kernel.client.alive, true);
}

describe("kernelspec discovery", () => {
  test("JUPYTER_PATH entries come first, then the user dir, then the system prefixes", () => {
    const path = jupyterDataPath({ JUPYTER_PATH: "/a:/b:", JUPYTER_DATA_DIR: "/data", HOME: "/home/x" });
    assert.deepEqual(path, ["/a", "/b", "/data", "/usr/local/share/jupyter", "/usr/share/jupyter"]);
    const xdg = jupyterDataPath({ XDG_DATA_HOME: "/xdg", HOME: "/home/x" });
    assert.deepEqual(xdg, ["/xdg/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"]);
    assert.equal(jupyterDataPath({ HOME: "/home/x" })[0], "/home/x/.local/share/jupyter");
  });

  test("finds specs in a temporary JUPYTER_PATH, which shadows the system python3", (t) => {
    const root = tempDir(t);
    const resourceDir = writeSpec(root, "Echo-1", {
      argv: ["/bin/echo", "{connection_file}", "{resource_dir}/logo.png"],
      display_name: "Echo",
      language: "shell",
      interrupt_mode: "message",
      env: { GREETING: "hello ${WHO}", KEEP: "${NOT_SET_ANYWHERE}" },
    });
    writeSpec(root, "python3", {
      argv: ["/bin/true", "{connection_file}"],
      display_name: "Shadow",
      language: "python",
    });
    const env = { JUPYTER_PATH: root, HOME: tempDir(t) };
    const specs = findKernelSpecs(env);
    assert.ok(specs.has("echo-1"), [...specs.keys()].join(","));
    assert.equal(specs.get("python3")!.display_name, "Shadow");
    const echo = resolveKernelSpec("Echo-1", env);
    assert.equal(echo.resource_dir, resourceDir);
    assert.equal(echo.interrupt_mode, "message");
    assert.deepEqual(kernelArgv(echo, "/run/k.json"), ["/bin/echo", "/run/k.json", `${resourceDir}/logo.png`]);
    assert.deepEqual(kernelSpecEnv(echo, { WHO: "world" }), { GREETING: "hello world", KEEP: "${NOT_SET_ANYWHERE}" });
  });

  test(
    "the system python3 spec is found without JUPYTER_PATH; no name means the built-in kernel",
    needsPython(),
    (t) => {
      const env = { HOME: tempDir(t) };
      const python = resolveKernelSpec("python3", env);
      assert.equal(python.argv[0], "/usr/bin/python3");
      assert.equal(python.language, "python");
      assert.equal(resolveKernelSpec(undefined, env).name, BUILTIN_KERNEL_NAME);
      assert.equal(resolveKernelSpec(BUILTIN_KERNEL_NAME, env).name, BUILTIN_KERNEL_NAME);
    },
  );

  test("an unknown name is an error listing the installed kernels", (t) => {
    const root = tempDir(t);
    writeSpec(root, "mine", { argv: ["/bin/true"], display_name: "Mine", language: "x" });
    assert.throws(
      () => resolveKernelSpec("nope", { JUPYTER_PATH: root, HOME: tempDir(t) }),
      /no kernel named "nope"; installed kernels: jaffle-node, mine, python3/,
    );
  });

  test("a broken kernel.json is reported with its file when asked for by name", (t) => {
    const root = tempDir(t);
    mkdirSync(join(root, "kernels", "broken"), { recursive: true });
    writeFileSync(join(root, "kernels", "broken", "kernel.json"), JSON.stringify({ argv: [], display_name: "B" }));
    assert.throws(
      () => resolveKernelSpec("broken", { JUPYTER_PATH: root, HOME: tempDir(t) }),
      /kernels\/broken\/kernel\.json: argv must be a non-empty list of strings/,
    );
  });
});

describe("kernelEnvironment", () => {
  test("passes only the basics, pass_env (with * patterns), the spec env and the config env", () => {
    const source = {
      PATH: "/bin",
      HOME: "/h",
      LC_ALL: "C.UTF-8",
      AWS_SECRET_ACCESS_KEY: "s3cr3t",
      MY_TOKEN: "t",
      APP_ONE: "1",
      APP_TWO: "2",
      NODE_OPTIONS: "--trace-warnings",
    };
    const python = {
      name: "python3",
      argv: ["x"],
      display_name: "P",
      language: "python",
      env: { FROM_SPEC: "${HOME}/s" },
    };
    const env = kernelEnvironment(python, ["MY_TOKEN", "APP_*"], { EXTRA: "e", APP_TWO: "override" }, source);
    assert.deepEqual(Object.keys(env).sort(), [
      "APP_ONE",
      "APP_TWO",
      "EXTRA",
      "FROM_SPEC",
      "HOME",
      "JPY_PARENT_PID",
      "LC_ALL",
      "MY_TOKEN",
      "PATH",
      "PYDEVD_DISABLE_FILE_VALIDATION",
    ]);
    // Python kernels only: it silences ipykernel's debugger warnings at start-up.
    assert.equal(env.PYDEVD_DISABLE_FILE_VALIDATION, "1");
    assert.equal(env.APP_TWO, "override");
    assert.equal(env.FROM_SPEC, "/h/s");
    assert.equal(env.JPY_PARENT_PID, String(process.pid));
    const node = kernelEnvironment(
      { ...python, name: BUILTIN_KERNEL_NAME, language: "javascript", env: {} },
      [],
      {},
      source,
    );
    assert.equal(node.NODE_OPTIONS, "--trace-warnings");
    assert.equal(node.AWS_SECRET_ACCESS_KEY, undefined);
    assert.equal(node.PYDEVD_DISABLE_FILE_VALIDATION, undefined);
  });
});

describe("launchKernel with ipykernel", needsPython(), () => {
  test("private connection file, 127.0.0.1 ports, only the granted environment, clean shutdown", async (t) => {
    process.env.JAFFLE_TEST_PASSED = "passed";
    process.env.JAFFLE_TEST_SECRET = "secret";
    t.after(() => {
      delete process.env.JAFFLE_TEST_PASSED;
      delete process.env.JAFFLE_TEST_SECRET;
    });
    const { tracker, events } = recordingTracker();
    const options = pythonOptions(t, { passEnv: ["JAFFLE_TEST_PASSED"], env: { JAFFLE_TEST_SET: "set" }, tracker });
    const kernel = await launchKernel(options);
    t.after(() => kernel.shutdown());

    assert.equal(kernel.connectionFile, join(options.runtimeDir, "kernel-py.json"));
    assert.equal(statSync(kernel.connectionFile).mode & 0o777, 0o600);
    assert.equal(statSync(options.runtimeDir).mode & 0o777, 0o700);
    const info = await readConnectionFile(kernel.connectionFile);
    assert.equal(info.ip, "127.0.0.1");
    // (ipykernel rewrites the file itself, dropping kernel_name; ports and key stay ours.)
    assert.equal(info.key, kernel.client.connection.key);
    const listening = listeningSockets();
    for (const port of [info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port]) {
      assert.ok(listening.has(`0100007F:${port}`), `port ${port} listens on 127.0.0.1`);
      assert.ok(
        ![...listening].some((s) => s.endsWith(`:${port}`) && !s.startsWith("0100007F")),
        `port ${port} only on 127.0.0.1`,
      );
    }
    assert.deepEqual(events, [`track ${kernel.pid} kernel py`]);
    assert.equal(kernel.language, "python");
    assert.equal(kernel.info.implementation, "ipython");

    const { outputs } = await kernel.client.execute(
      "import os\nprint(sorted(k for k in os.environ if k.startswith('JAFFLE_TEST')), os.getcwd(), os.getpgid(0) == os.getpid(), 'PATH' in os.environ)",
      { timeoutMs: 60_000 },
    );
    const printed = outputs
      .filter((m): m is JupyterMessage<"stream"> => isMessageType(m, "stream"))
      .map((m) => m.content.text)
      .join("");
    assert.equal(printed.trim(), `['JAFFLE_TEST_PASSED', 'JAFFLE_TEST_SET'] ${options.cwd} True True`);

    const pid = kernel.pid;
    await kernel.shutdown();
    assert.equal((await kernel.exited).code, 0);
    assert.equal(isAlive(pid), false);
    assert.ok(groupGone(pid));
    assert.equal(existsSync(kernel.connectionFile), false);
    assert.deepEqual(events, [`track ${pid} kernel py`, `untrack ${pid}`]);
    assert.ok(
      (options.logger as ReturnType<typeof recordingLogger>)
        .at("info")
        .some((line) => /kernel ready: ipython/.test(line)),
    );
  });

  test("a SIGKILLed kernel: `exit` and `dead` events, pending requests fail, nothing left behind", async (t) => {
    const { tracker, events } = recordingTracker();
    const options = pythonOptions(t, { tracker });
    const kernel = await launchKernel(options);
    t.after(() => kernel.shutdown());
    // A child in the kernel's group must not survive it.
    const { outputs } = await kernel.client.execute(
      "import subprocess\np = subprocess.Popen(['sleep', '300'])\nprint(p.pid)",
      { timeoutMs: 60_000 },
    );
    const childPid = Number(
      (outputs.find((m) => isMessageType(m, "stream")) as JupyterMessage<"stream">).content.text.trim(),
    );
    assert.ok(isAlive(childPid));

    const exit = new Promise((resolve) => kernel.once("exit", resolve));
    const dead = new Promise<string>((resolve) => kernel.client.once("dead", resolve));
    const pending = kernel.client.execute("import time\ntime.sleep(60)", { timeoutMs: 120_000 });
    process.kill(kernel.pid, "SIGKILL");
    assert.deepEqual(await exit, { code: null, signal: "SIGKILL" });
    assert.match(await dead, /kernel process was killed by SIGKILL/);
    await assert.rejects(pending, /kernel is dead: kernel process was killed by SIGKILL/);
    const deadline = Date.now() + 10_000;
    while ((isAlive(childPid) || existsSync(kernel.connectionFile)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(isAlive(childPid), false, "the kernel's child was killed with it");
    assert.ok(groupGone(kernel.pid));
    assert.equal(existsSync(kernel.connectionFile), false);
    assert.deepEqual(events, [`track ${kernel.pid} kernel py`, `untrack ${kernel.pid}`]);
    await kernel.shutdown(); // after death: a no-op that still resolves
  });
});

describe("launchKernel: a chosen port taken before the kernel binds it", () => {
  for (const [slot, socket] of [
    [0, "shell"],
    [4, "heartbeat"],
  ] as const) {
    test(
      `ipykernel: the ${socket} port is taken; relaunched with fresh ports, one warning`,
      needsPython(),
      async (t) => {
        const held = await holdAPort(t);
        const { pick, picks } = collidingPicker(held, slot, 1);
        const { tracker, events } = recordingTracker();
        await assertRelaunched(t, pythonOptions(t, { tracker, pickPorts: pick }), picks, events, held);
      },
    );
  }

  test("the built-in Node kernel: the iopub port is taken; relaunched with fresh ports, one warning", async (t) => {
    const held = await holdAPort(t);
    const { pick, picks } = collidingPicker(held, 1, 1);
    const { tracker, events } = recordingTracker();
    const options = pythonOptions(t, { name: "node", kernelName: undefined, tracker, pickPorts: pick });
    await assertRelaunched(t, { ...options, logger: recordingLogger("node") }, picks, events, held);
  });

  test("ports taken at every attempt: the launch gives up after a bounded number of tries", async (t) => {
    const held = await holdAPort(t);
    const { pick, picks } = collidingPicker(held, 0, Infinity);
    const { tracker, events } = recordingTracker();
    const options = pythonOptions(t, { name: "node", kernelName: undefined, tracker, pickPorts: pick });
    await assert.rejects(
      launchKernel(options),
      /^Error: kernel node: the ports chosen for it were taken before it could bind them, \d+ times in a row \(.*Address already in use\)$/,
    );
    assert.equal(picks.length, PORT_COLLISION_ATTEMPTS);
    const logger = options.logger as RecordingLogger;
    assert.equal(logger.at("warning").length, PORT_COLLISION_ATTEMPTS - 1, logger.text());
    assert.equal(events.length, 2 * PORT_COLLISION_ATTEMPTS, events.join("\n"));
    for (const event of events.filter((e) => e.startsWith("track "))) assert.ok(groupGone(Number(event.split(" ")[1])));
    assert.equal(existsSync(join(options.runtimeDir, "kernel-node.json")), false);
  });
});

describe("launchKernel failures", () => {
  test("a kernel that exits at start-up fails with its exit code and stderr", async (t) => {
    const root = tempDir(t);
    writeSpec(root, "crash", {
      argv: ["/bin/sh", "-c", "echo 'ImportError: no module named kernel' >&2; exit 3", "{connection_file}"],
      display_name: "Crash",
      language: "sh",
    });
    withJupyterPath(t, root);
    const { tracker, events } = recordingTracker();
    const options = pythonOptions(t, { kernelName: "crash", tracker });
    await assert.rejects(launchKernel(options), (error: Error) => {
      assert.match(error.message, /kernel py \(crash: \/bin\/sh\) exited with code 3 before answering kernel_info/);
      assert.match(error.message, /ImportError: no module named kernel/);
      return true;
    });
    assert.equal(existsSync(join(options.runtimeDir, "kernel-py.json")), false);
    assert.equal(events.length, 2);
    assert.match(nth(events, 1), /^untrack /);
  });

  test("a kernel that never answers is killed after the start-up timeout", async (t) => {
    const root = tempDir(t);
    writeSpec(root, "mute", { argv: ["/bin/sleep", "300"], display_name: "Mute", language: "sh" });
    withJupyterPath(t, root);
    const { tracker, events } = recordingTracker();
    await assert.rejects(
      launchKernel(pythonOptions(t, { kernelName: "mute", tracker, startupTimeoutMs: 1500 })),
      /did not answer kernel_info within 1500 ms/,
    );
    const pid = Number(nth(events, 0).split(" ")[1]);
    assert.equal(isAlive(pid), false);
  });

  test("an unknown kernel name fails before anything starts", async (t) => {
    await assert.rejects(
      launchKernel(pythonOptions(t, { kernelName: "no-such-kernel" })),
      /no kernel named "no-such-kernel"; installed kernels: .*python3/,
    );
  });
});

test("the built-in Node kernel starts from its entry module, and its ready line says when kernel_info came after the spawn", async (t) => {
  const spec = resolveKernelSpec(undefined, { HOME: tempDir(t), JUPYTER_PATH: tempDir(t) });
  // Not through the CLI: the kernel's own entry module, from this package's dist/.
  assert.equal(spec.argv[0], process.execPath);
  assert.match(nth(spec.argv, 1), /[/\\]dist[/\\]src[/\\]kernel[/\\]node[/\\]entry\.js$/);
  assert.equal(existsSync(nth(spec.argv, 1)), true, spec.argv[1]);
  assert.deepEqual(spec.argv.slice(2), ["{connection_file}"]);

  const logger = recordingLogger("node");
  const kernel = await launchKernel(pythonOptions(t, { name: "node", kernelName: undefined, logger }));
  t.after(() => kernel.shutdown());
  assert.equal(kernel.info.implementation, "jaffle-node");
  assert.ok(
    logger
      .at("info")
      .some((line) =>
        /^kernel ready: jaffle-node \S+ \(Node\.js \(jaffle\)\), kernel_info answered \d+ ms after spawn$/.test(line),
      ),
    logger.text(),
  );
});
