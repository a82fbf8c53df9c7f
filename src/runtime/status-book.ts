/**
 * The supervisor's record of what runs, written through to the status file on every
 * change. Writes are coalesced to one per tick: a burst of changes (a kernel and its
 * apps coming back) costs one rename, not one each.
 */
import type { AppStatus, KernelStatus, ProcessStatus, RemoteKernelStatus, RuntimeStatus } from "./status.js";

export class StatusBook {
  readonly #status: RuntimeStatus;
  #scheduled = false;
  #closed = false;

  constructor(
    projectDir: string,
    private readonly write: (status: RuntimeStatus) => void,
    startedAt = new Date(),
  ) {
    this.#status = {
      pid: process.pid,
      startedAt: startedAt.toISOString(),
      projectDir,
      kernels: {},
      remoteKernels: {},
      apps: {},
      processes: {},
    };
    this.flush();
  }

  get snapshot(): Readonly<RuntimeStatus> {
    return this.#status;
  }

  setKernel(name: string, status: KernelStatus | undefined): void {
    delete this.#status.remoteKernels?.[name];
    if (status) this.#status.kernels[name] = status;
    else delete this.#status.kernels[name];
    this.#changed();
  }

  /** A kernel on a Jupyter server (issue 15). */
  setRemoteKernel(name: string, status: RemoteKernelStatus): void {
    delete this.#status.kernels[name];
    (this.#status.remoteKernels ??= {})[name] = status;
    this.#changed();
  }

  setApp(name: string, status: AppStatus | undefined): void {
    if (status) this.#status.apps[name] = status;
    else delete this.#status.apps[name];
    this.#changed();
  }

  setProcess(name: string, status: ProcessStatus | undefined): void {
    if (status) this.#status.processes[name] = status;
    else delete this.#status.processes[name];
    this.#changed();
  }

  /** Writes now (pending changes included). */
  flush(): void {
    this.#scheduled = false;
    if (!this.#closed) this.write(this.#status);
  }

  /** No more writes (the runtime directory is being removed). */
  close(): void {
    this.#closed = true;
  }

  #changed(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      if (this.#scheduled) this.flush();
    });
  }
}
