/**
 * Fakes for the unit tests of ManagedProcess, JobRunner and KernelSlot, injected where
 * the real code spawns a child or launches a kernel (their `children` and `launch`
 * options). Each fake is driven by the test: it exits when told to, so start order,
 * readiness and restart policy are checked in milliseconds, beside the end-to-end tests
 * of the real processes and kernels. No real process exists behind a fake pid, and no
 * signal is ever sent to one.
 */
import { EventEmitter } from "node:events";
import type { ChildExit } from "../../src/process/exit.js";
import type { ChildControl, ChildSpec, LoggedChild } from "../../src/process/logged-child.js";
import type { SlotKernel } from "../../src/supervisor/kernel-slot.js";
import type { KernelClient } from "../../src/kernel/client.js";
import type { JupyterMessage } from "../../src/kernel/messages.js";

/** Fake pids start far above Linux's pid_max, so they never name a real process. */
let nextFakePid = 10_000_000;

interface Settle<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function settle<T>(): Settle<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** A child that runs until the test (or a terminate) makes it exit. */
export class FakeChild implements LoggedChild {
  readonly pid = nextFakePid++;
  readonly #exit = settle<ChildExit>();
  readonly leaderExited = this.#exit.promise;
  readonly exited = this.#exit.promise;
  #running = true;

  constructor(readonly spec: ChildSpec) {}

  get running(): boolean {
    return this.#running;
  }

  exit(status: ChildExit): void {
    if (!this.#running) return;
    this.#running = false;
    this.#exit.resolve(status);
  }
}

/**
 * A ChildControl whose children are FakeChilds. `failNextSpawn` makes the next spawn
 * reject the way a missing program does; `ignoreTerm` makes terminate "kill" after the
 * timeout, as for a child that ignores SIGTERM.
 */
export class FakeChildren implements ChildControl {
  readonly children: FakeChild[] = [];
  readonly #spawned = new EventEmitter<{ spawn: [child: FakeChild] }>();
  failNextSpawn: Error | undefined;
  ignoreTerm = false;
  /** Every terminate asked for: the group and its SIGTERM-to-SIGKILL timeout. */
  readonly terminated: { pgid: number; timeoutMs: number }[] = [];

  async spawn(spec: ChildSpec): Promise<LoggedChild> {
    const failure = this.failNextSpawn;
    if (failure) {
      this.failNextSpawn = undefined;
      throw failure;
    }
    const child = new FakeChild(spec);
    this.children.push(child);
    this.#spawned.emit("spawn", child);
    return child;
  }

  async terminate(pgid: number, timeoutMs: number): Promise<"exited" | "killed"> {
    this.terminated.push({ pgid, timeoutMs });
    const child = this.children.find((c) => c.pid === pgid);
    if (!child?.running) return "exited";
    child.exit(this.ignoreTerm ? { code: null, signal: "SIGKILL" } : { code: null, signal: "SIGTERM" });
    return this.ignoreTerm ? "killed" : "exited";
  }

  /** The `count`th child (1-based) once it has been spawned. */
  async spawned(count: number): Promise<FakeChild> {
    for (;;) {
      const child = this.children[count - 1];
      if (child) return child;
      await new Promise<FakeChild>((resolve) => this.#spawned.once("spawn", resolve));
    }
  }
}

/** What a fake kernel's client must do for the KernelHost: carry iopub listeners. */
class FakeKernelClient extends EventEmitter<{ iopub: [msg: JupyterMessage] }> {
  readonly session = "fake-session";

  execute: KernelClient["execute"] = () => Promise.reject(new Error("a fake kernel runs no code"));
}

type KernelEnd = ChildExit | { reason: string };

/** A kernel that is up until the test makes it die; shutdown ends it without an "exit". */
export class FakeKernel extends EventEmitter<{ exit: [end: KernelEnd]; dead: [reason: string] }> implements SlotKernel {
  readonly pid = nextFakePid++;
  readonly language = "javascript";
  readonly client = new FakeKernelClient();
  #running = true;
  shutdowns = 0;
  killed = false;

  get running(): boolean {
    return this.#running;
  }

  async shutdown(_timeoutMs: number): Promise<void> {
    this.shutdowns += 1;
    this.#running = false;
  }

  /** The kernel process dies without being asked to. */
  die(end: KernelEnd = { code: 1, signal: null }): void {
    this.#running = false;
    this.emit("exit", end);
  }

  killWedged(): void {
    this.killed = true;
    this.die({ code: null, signal: "SIGKILL" });
  }
}

/**
 * A KernelSlot `launch` that hands out FakeKernels in order; `failNext` makes the next
 * launch reject (a kernel that does not start). Resolves `launched(n)` as they come.
 */
export class FakeKernels {
  readonly kernels: FakeKernel[] = [];
  readonly #events = new EventEmitter<{ launch: [] }>();
  failNext = 0;
  attempts = 0;

  readonly launch = async (): Promise<SlotKernel> => {
    this.attempts += 1;
    this.#events.emit("launch");
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("the fake kernel did not start");
    }
    const kernel = new FakeKernel();
    this.kernels.push(kernel);
    return kernel;
  };

  /** Resolves once `count` launches (failed ones included) have been tried. */
  async tried(count: number): Promise<void> {
    while (this.attempts < count) await new Promise<void>((resolve) => this.#events.once("launch", () => resolve()));
  }
}
