/**
 * The `AppKernel` one app instance gets. An app instance lives exactly as long as one
 * kernel process: when the kernel dies the supervisor creates a new instance in the new
 * kernel, and calls still made by the old instance (its `stop()`, a late timer) fail at
 * once instead of running half-finished code in a kernel that never set that app up.
 */
import type { AppKernel, ExecuteOptions, ExecuteOutcome } from "../apps/api.js";
import type { Logger } from "../log/logger.js";
import { KernelGoneError, type KernelHost } from "./kernel-host.js";

export class KernelView implements AppKernel {
  constructor(
    private readonly host: KernelHost,
    /** The host's generation this view was made in. */
    private readonly generation: number,
    private readonly defaultLogger: Logger,
  ) {}

  get name(): string {
    return this.host.name;
  }

  get language(): string {
    return this.host.language;
  }

  execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    if (this.host.generation !== this.generation) {
      return Promise.reject(new KernelGoneError(this.host.name, "was restarted; this app instance was replaced"));
    }
    return this.host.execute(code, { ...options, logger: options.logger ?? this.defaultLogger });
  }
}
