/**
 * One kernel block as the apps see it (`AppKernel`): it runs code in whichever kernel
 * process is current and logs the outputs to whoever ran the code. It outlives kernel
 * restarts: while a dead kernel is being replaced, calls wait for the new one; once the
 * supervisor gives up on the kernel, calls fail.
 */
import type { AppKernel, ExecuteOptions, ExecuteOutcome } from "../apps/api.js";
import type { KernelClient } from "../kernel/client.js";
import type { JupyterMessage } from "../kernel/messages.js";
import type { Logger } from "../log/logger.js";
import { OutputRouter } from "./output-router.js";
import { JaffleError } from "../errors.js";

/**
 * What the host needs of a running kernel: the launcher's RunningKernel and a remote
 * kernel on a Jupyter server (issue 15) both have it.
 */
export interface HostableKernel {
  readonly language: string;
  readonly client: KernelClient;
  on(event: "exit" | "dead", listener: () => void): unknown;
  off(event: "exit" | "dead", listener: () => void): unknown;
}

export class KernelGoneError extends JaffleError {
  constructor(kernel: string, why: string) {
    super(`kernel ${kernel} ${why}`);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when the kernel is given up; that is not an unhandled error.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** The value of an execute_result: its text/plain and its whole MIME bundle. */
function resultOf(msg: JupyterMessage | undefined): { result?: string; data?: Record<string, unknown> } {
  if (!msg || msg.header.msg_type !== "execute_result") return {};
  const data = (msg as JupyterMessage<"execute_result">).content.data as Record<string, unknown> | undefined;
  const text = data?.["text/plain"];
  return { ...(typeof text === "string" ? { result: text } : {}), ...(data ? { data } : {}) };
}

export class KernelHost implements AppKernel {
  readonly #router: OutputRouter;
  #current: HostableKernel | undefined;
  #next: Deferred<HostableKernel> = deferred();
  #language: string;
  #generation = 0;
  readonly #onIopub = (msg: JupyterMessage) => {
    // Deferred by a microtask: the client may hand the same message to an execute's
    // onOutput right after emitting it, and that is where we learn the msg_id of a
    // request still running. Every message is deferred alike, so order is kept.
    const session = (msg.parent_header as { session?: unknown }).session;
    const fromOtherClient = typeof session === "string" && session !== this.#current?.client.session;
    queueMicrotask(() => this.#router.dispatch(msg, fromOtherClient));
  };

  constructor(
    readonly name: string,
    language: string,
    /** The kernel's own logger: outputs nobody claimed land here. */
    readonly logger: Logger,
  ) {
    this.#language = language;
    this.#router = new OutputRouter(logger);
  }

  get language(): string {
    return this.#language;
  }

  /** Changes whenever the kernel process changes; app instances are bound to one generation. */
  get generation(): number {
    return this.#generation;
  }

  /** The kernel process calls go to now, if one is up. */
  get current(): HostableKernel | undefined {
    return this.#current;
  }

  /** A (new) kernel process is up: calls go to it from now on. */
  attach(kernel: HostableKernel): void {
    this.detach();
    this.#current = kernel;
    this.#generation += 1;
    this.#language = kernel.language || this.#language;
    kernel.client.on("iopub", this.#onIopub);
    this.#next.resolve(kernel);
  }

  /** The current kernel died or is being replaced: calls wait for `attach`. */
  detach(): void {
    const old = this.#current;
    if (!old) return;
    old.client.off("iopub", this.#onIopub);
    this.#current = undefined;
    this.#generation += 1;
    this.#next = deferred();
  }

  /** No kernel will come any more: waiting and future calls fail with `why`. */
  close(why: string): void {
    this.detach();
    const error = new KernelGoneError(this.name, why);
    this.#next.reject(error);
    this.#next = deferred();
    this.#next.reject(error);
  }

  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    const logger = options.logger ?? this.logger;
    const levels = { result: options.resultLevel ?? "info", error: options.errorLevel ?? "error" } as const;
    const kernel = this.#current ?? (await this.#next.promise);
    let routed = false;
    const onOutput = (msg: JupyterMessage) => {
      const parent = (msg.parent_header as { msg_id?: string }).msg_id;
      if (!routed && parent) {
        this.#router.route(parent, logger, levels);
        routed = true;
      }
    };
    // A kernel that dies mid-request never replies: end the call instead of hanging.
    let onExit!: () => void;
    const died = new Promise<never>((_, reject) => {
      onExit = () => reject(new KernelGoneError(this.name, "died while running code"));
      kernel.on("exit", onExit);
      kernel.on("dead", onExit);
    });
    let result: Awaited<ReturnType<KernelClient["execute"]>>;
    // stop_on_error = false: every piece of code jaffle runs stands alone. With the
    // protocol's default, ipykernel aborts whatever request arrives shortly after a failed
    // one, so the code block after a failing one would silently not run.
    const execution = kernel.client.execute(code, { onOutput, silent: options.silent ?? false, stopOnError: false });
    try {
      result = await Promise.race([execution, died]);
    } finally {
      kernel.off("exit", onExit);
      kernel.off("dead", onExit);
    }
    // Later outputs of this request (work it started) still belong to `logger`.
    this.#router.route(result.msgId, logger, levels);
    const reply = result.reply.content as { status: string; ename?: string; evalue?: string; traceback?: string[] };
    if (reply.status === "ok") {
      return { status: "ok", ...resultOf(result.outputs.findLast((m) => m.header.msg_type === "execute_result")) };
    }
    if (reply.status === "error") {
      return {
        status: "error",
        ename: reply.ename ?? "Error",
        evalue: reply.evalue ?? "",
        traceback: reply.traceback ?? [],
      };
    }
    return { status: "aborted" };
  }
}
