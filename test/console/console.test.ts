/**
 * `jaffle console`, the real executable, attached to real kernels: piped code against
 * ipykernel and the built-in Node kernel, lookup through a runtime directory, and an
 * interactive session in a pseudo-terminal (completion, Ctrl-C, Ctrl-D).
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import type { RunningKernel } from "../../src/kernel/launcher.js";
import { isAlive, needsPython, runJaffle, startJaffle, startTestKernel, tempDir, waitFor } from "../helpers/index.js";
import { openJaffleTerminal } from "../helpers/terminal.js";

async function startKernel(
  t: TestContext,
  kernelName: string | undefined,
  name = "k",
): Promise<{ kernel: RunningKernel; dir: string }> {
  const dir = tempDir(t, "jaffle-console-");
  const kernel = await startTestKernel(t, { runtimeDir: join(dir, ".jaffle"), cwd: dir, kernelName, name });
  return { kernel, dir };
}

const PYTHON_CELLS = [
  "x = 21",
  "x * 2",
  "for i in range(3):",
  "    print('loop', i)",
  "",
  "def add(a,",
  "        b):",
  "    return a + b",
  "",
  "1/0",
  "print('still here', add(40, 2))",
].join("\n");

describe("jaffle console with piped input", () => {
  test("runs Python statement by statement against ipykernel; an error does not stop it", needsPython(), async (t) => {
    const { kernel, dir } = await startKernel(t, "python3");
    const result = await runJaffle(["console", "--existing", kernel.connectionFile], {
      cwd: dir,
      stdin: PYTHON_CELLS + "\n",
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "42\nloop 0\nloop 1\nloop 2\nstill here 42\n");
    assert.match(result.stderr, /ZeroDivisionError/);
    assert.ok(!result.stderr.includes("\u001b["), "no colour codes when stderr is not a terminal");
    assert.ok(isAlive(kernel.pid), "leaving the console leaves the kernel running");
    const { reply } = await kernel.client.execute("x", { timeoutMs: 30_000 });
    assert.equal(reply.content.status, "ok");
  });

  test("runs JavaScript against the built-in Node kernel", async (t) => {
    const { kernel, dir } = await startKernel(t, undefined);
    const code = [
      "let total = 0",
      "for (let i = 1; i <= 3; i++) {",
      "  total += i",
      "}",
      "console.log('total', total)",
      "function twice(n) {",
      "  return n * 2",
      "}",
      "twice(21)",
      "throw new Error('boom')",
      "console.log('after', await Promise.resolve(7))",
    ].join("\n");
    const result = await runJaffle(["console", "--existing", kernel.connectionFile], { cwd: dir, stdin: code + "\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /total 6\n/);
    assert.match(result.stdout, /^42$/m);
    assert.match(result.stdout, /after 7\n/);
    assert.match(result.stderr, /Error: boom/);
    assert.ok(isAlive(kernel.pid));
  });

  test(
    "finds a kernel by name in the runtime directory, and names the running ones when asked for another",
    needsPython(),
    async (t) => {
      const { dir } = await startKernel(t, "python3", "py");
      const found = await runJaffle(["console", "py"], { cwd: dir, stdin: "print('found me')\n" });
      assert.equal(found.code, 0, found.stderr);
      assert.equal(found.stdout, "found me\n");
      const other = await runJaffle(["console", "web", "--runtime-dir", ".jaffle"], { cwd: dir });
      assert.equal(other.code, 1);
      assert.match(other.stderr, /^jaffle: no kernel named "web" in .*\.jaffle; running kernels: py\n$/);
      const none = await runJaffle(["console", "py", "--runtime-dir", "elsewhere"], { cwd: dir });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no kernels are running in .*elsewhere/);
      const missing = await runJaffle(["console", "--existing", "nope.json"], { cwd: dir });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nope\.json: no such connection file/);
    },
  );

  test("Ctrl-C (SIGINT) interrupts a synchronous loop by signalling the kernel's pid from status.json", async (t) => {
    // Only a signal can stop a busy synchronous loop in the Node kernel (its event loop is
    // blocked, so an interrupt_request would wait): this shows the console used the pid.
    const { kernel, dir } = await startKernel(t, undefined, "js");
    const status = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      projectDir: dir,
      kernels: { js: { connectionFile: kernel.connectionFile, pid: kernel.pid, language: "javascript", restarts: 0 } },
      apps: {},
      processes: {},
    };
    writeFileSync(join(dir, ".jaffle", "status.json"), JSON.stringify(status), { mode: 0o600 });
    const attached = startJaffle(t, ["console", "js"], {
      cwd: dir,
      // Output cannot leave a kernel whose event loop is blocked, so the cell marks its
      // start with a file instead.
      stdin: "require('node:fs').writeFileSync('spinning', ''); while (true) {}\nconsole.log('next')\n",
    });
    await waitFor(() => existsSync(join(dir, "spinning")), "the cell to start its loop", 60_000);
    const started = Date.now();
    attached.child.kill("SIGINT");
    const { code } = await Promise.race([
      attached.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`console still running:\n${attached.stderr()}`)), 30_000).unref(),
      ),
    ]);
    assert.equal(code, 0, attached.stderr());
    assert.ok(Date.now() - started < 25_000, "interrupted promptly");
    assert.match(attached.stderr(), /interrupt/i);
    assert.equal(attached.stdout(), "next\n");
    assert.ok(isAlive(kernel.pid), "the kernel survives the interrupt");
  });

  test("exits 1 when the kernel dies under it", needsPython(), async (t) => {
    const { kernel, dir } = await startKernel(t, "python3");
    const result = await runJaffle(["console", "--existing", kernel.connectionFile], {
      cwd: dir,
      stdin: "print('before')\nimport os; os._exit(3)\nprint('never')\n",
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "before\n");
    assert.match(result.stderr, /kernel died: no heartbeat/);
  });
});

describe("jaffle console in a terminal", () => {
  test("prompts, completes with Tab, interrupts with Ctrl-C, leaves with Ctrl-D", needsPython(), async (t) => {
    const { kernel, dir } = await startKernel(t, "python3");
    const term = openJaffleTerminal(t, ["console", "--existing", kernel.connectionFile], {
      cwd: dir,
      alsoWatch: { kernel: kernel.pid },
    });
    const expect = (pattern: RegExp) => term.expect(pattern);
    const write = (keys: string) => term.write(keys);

    await expect(/In \[(\d+)\]: /);
    write("import os\r");
    await expect(/In \[\d+\]: /);
    write("os.path.jo\t");
    await expect(/in/); // the single match completes in place: os.path.join
    write("('a', 'b')\r");
    await expect(/Out\[\d+\]: 'a\/b'/);

    write("import time; print('sleeping', flush=True); time.sleep(30)\r");
    await expect(/\nsleeping\r\n/); // the output line, not the echo of the input
    write("\x03");
    await expect(/KeyboardInterrupt/);
    await expect(/In \[\d+\]: /);

    write("half typed");
    write("\x03");
    await expect(/\^C/);
    write("6 * 7\r");
    await expect(/Out\[\d+\]: 42/);

    // A line typed while a cell runs is echoed by the terminal, then shown after its own
    // prompt, then run: its output follows its prompt, as in IPython.
    write(`import os, time; print('waiting', flush=True); exec("while not os.path.exists('go'): time.sleep(0.02)")\r`);
    await expect(/\nwaiting\r\n/);
    write("print('typed', 'ahead')\r");
    await expect(/print\('typed', 'ahead'\)\r\n/); // the terminal's echo, during the run
    writeFileSync(join(dir, "go"), "");
    await expect(/In \[\d+\]: \S*print\('typed', 'ahead'\)\r+\ntyped ahead\r\n/);

    write("\x04");
    assert.equal(await term.exited(), 0);
    assert.ok(isAlive(kernel.pid), "Ctrl-D leaves the kernel running");
    assert.equal((await kernel.client.execute("time", { timeoutMs: 30_000 })).reply.content.status, "ok");
  });
});
