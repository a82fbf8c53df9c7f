/**
 * KernelHost against a real ipykernel: outputs go to whoever ran the code, also when
 * they come later; outputs of other clients go to the kernel's logger; calls survive a
 * kernel being replaced.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { KernelClient } from "../../src/kernel/client.js";
import { readConnectionFile } from "../../src/kernel/connection.js";
import type { RunningKernel } from "../../src/kernel/launcher.js";
import type { Logger } from "../../src/log/logger.js";
import { KernelGoneError, KernelHost } from "../../src/supervisor/kernel-host.js";
import { KernelView } from "../../src/supervisor/kernel-view.js";
import { needsPython, recordingLogger, startTestKernel, tempDir, waitFor } from "../helpers/index.js";

function python(t: TestContext, runtimeDir: string, logger: Logger): Promise<RunningKernel> {
  return startTestKernel(t, { runtimeDir, kernelName: "python3", name: "py", logger });
}

test(
  "outputs are logged to the caller, by level, also when they come after the call",
  { timeout: 180_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    const kernelLog = recordingLogger("py");
    const app = recordingLogger("app");
    const host = new KernelHost("py", "", kernelLog);
    host.attach(await python(t, dir, kernelLog));
    assert.equal(host.language, "python");

    const ok = await host.execute("import sys\nprint('out line')\nprint('err line', file=sys.stderr)\n6 * 7", {
      logger: app,
    });
    assert.deepEqual(ok, { status: "ok", result: "42", data: { "text/plain": "42" } });
    await waitFor(() => app.lines.length >= 3, "three lines");
    assert.deepEqual(app.lines, [
      { level: "info", message: "out line" },
      { level: "warning", message: "err line" },
      { level: "info", message: "42" },
    ]);

    const failed = await host.execute("1 / 0", { logger: app });
    assert.equal(failed.status, "error");
    assert.equal(failed.status === "error" && failed.ename, "ZeroDivisionError");
    await waitFor(() => app.lines.some((line) => line.level === "error"), "the error line");
    const error = app.lines.find((line) => line.level === "error")!;
    assert.match(error.message, /ZeroDivisionError: division by zero/);
    assert.ok(!error.message.includes("\x1b["), "no terminal colours in the log");

    // A timer thread prints after the execute has finished: still the caller's line.
    await host.execute("import threading\nthreading.Timer(0.3, lambda: print('late line', flush=True)).start()", {
      logger: app,
    });
    await waitFor(() => app.lines.some((line) => line.message === "late line"), "the late line", 30_000);
    assert.equal(
      kernelLog.lines.some((line) => line.message === "late line"),
      false,
    );
  },
);

test(
  "outputs of another client's requests go to the kernel's logger, marked [console]",
  { timeout: 180_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    const kernelLog = recordingLogger("py");
    const host = new KernelHost("py", "", kernelLog);
    const kernel = await python(t, dir, kernelLog);
    host.attach(kernel);
    // A second client on the same kernel (as `jaffle console` would be).
    const other = await KernelClient.connect(await readConnectionFile(kernel.connectionFile), {
      logger: recordingLogger("other"),
    });
    t.after(() => other.close());
    await other.execute("print('from the console')\n'the value typed'");
    await waitFor(
      () => kernelLog.lines.some((line) => line.message === "[console] from the console"),
      "the console's line on the kernel logger, marked as console output",
    );
    // What they typed and its value are theirs: not a line of the supervisor's log.
    assert.equal(
      kernelLog.lines.some((line) => line.message.includes("the value typed")),
      false,
    );
  },
);

test(
  "calls during a restart wait for the new kernel; a replaced app's view fails fast",
  { timeout: 240_000, ...needsPython() },
  async (t) => {
    const dir = tempDir(t);
    const kernelLog = recordingLogger("py");
    const app = recordingLogger("app");
    const host = new KernelHost("py", "", kernelLog);
    const first = await python(t, dir, kernelLog);
    host.attach(first);
    const oldView = new KernelView(host, host.generation, app);
    await oldView.execute("x = 1");

    const died = new Promise((resolve) => first.once("exit", resolve));
    process.kill(-first.pid, "SIGKILL");
    await died;
    host.detach();
    // Made while no kernel is attached: it waits.
    const waiting = host.execute("print('after restart')", { logger: app });
    await assert.rejects(oldView.execute("x"), KernelGoneError);
    host.attach(await python(t, dir, kernelLog));
    assert.deepEqual(await waiting, { status: "ok" });
    await waitFor(() => app.lines.some((line) => line.message === "after restart"), "output of the waiting call");
    const fresh = await host.execute("'x' in globals()", { logger: app });
    assert.deepEqual(
      fresh,
      { status: "ok", result: "False", data: { "text/plain": "False" } },
      "a new kernel process has fresh state",
    );

    host.close("is shut down");
    await assert.rejects(host.execute("1"), /kernel py is shut down/);
  },
);
