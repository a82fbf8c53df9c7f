/**
 * A kernel on a Jupyter Server or gateway, as the supervisor's kernel slot holds it: the
 * remote counterpart of the launcher's RunningKernel. Starting one checks the server and
 * the token (GET /api/kernelspecs), starts the kernel (POST /api/kernels), opens its
 * channels WebSocket and waits for kernel_info, all behind the ordinary KernelClient.
 *
 * When the kernel dies (the server says it is gone, dead or restarted) this object
 * deletes it on the server, if it is still there, and emits `exit`; the slot then starts
 * a new one with its apps, as for a local kernel. `shutdown` deletes the kernel. Only
 * kernels this object started are ever deleted.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "../../log/logger.js";
import type { KernelClient } from "../client.js";
import { attachRemoteKernel } from "./attach.js";
import type { KernelInfoReplyContent } from "../messages.js";
import { GatewayError, GatewayRest } from "./rest.js";
import { isInsecure, type GatewaySettings } from "./settings.js";

export interface StartRemoteKernelOptions {
  /** The kernel block's name in jaffle.hcl. */
  name: string;
  /** The kernelspec on the server; absent: the server's default. */
  kernelName?: string;
  settings: GatewaySettings;
  logger: Logger;
  /** Until the kernel answers kernel_info over the WebSocket. */
  startupTimeoutMs?: number;
}

/** Why a remote kernel ended (the slot logs it as the cause of death). */
export interface RemoteKernelEnd {
  reason: string;
}

type RemoteKernelEvents = {
  exit: [end: RemoteKernelEnd];
  dead: [reason: string];
};

export class RemoteKernel extends EventEmitter<RemoteKernelEvents> {
  readonly where = "remote";
  readonly language: string;
  readonly info: KernelInfoReplyContent;
  #ended = false;
  #stopping?: Promise<void>;

  constructor(
    readonly name: string,
    readonly kernelId: string,
    readonly client: KernelClient,
    private readonly rest: GatewayRest,
    private readonly logger: Logger,
    language: string,
  ) {
    super();
    this.info = client.info;
    this.language = language || client.info.language_info.name;
    client.on("dead", (reason) => void this.#onDead(reason));
  }

  /** The server's base URL (no credentials). */
  get server(): string {
    return this.rest.server;
  }

  get running(): boolean {
    return !this.#ended;
  }

  async #onDead(reason: string): Promise<void> {
    if (this.#ended || this.#stopping) return;
    this.#ended = true;
    this.logger.error(`kernel ${this.kernelId} on ${this.server}: ${reason}`);
    this.emit("dead", reason);
    // The server may still hold it (its restarter replaced the process): it is ours, and
    // a new one takes its place, so it goes.
    await this.#delete();
    this.emit("exit", { reason });
  }

  /** Deletes the kernel on the server; idempotent. */
  shutdown(_timeoutMs = 5000): Promise<void> {
    this.#stopping ??= (async () => {
      this.client.close();
      if (!this.#ended) {
        this.#ended = true;
        await this.#delete();
      }
    })();
    return this.#stopping;
  }

  async #delete(): Promise<void> {
    this.client.close();
    // jupyter_server answers 500 to a DELETE while its restarter is replacing the kernel's
    // process (the kernel we saw die): ask again, with a growing pause, until it is gone.
    let lastError: unknown;
    for (let attempt = 0, pauseMs = 100; attempt < DELETE_ATTEMPTS; attempt++, pauseMs *= 2) {
      try {
        await this.rest.deleteKernel(this.kernelId);
        this.logger.debug(`deleted kernel ${this.kernelId} on ${this.server}`);
        return;
      } catch (error) {
        if (error instanceof GatewayError && error.kind === "not-found") return;
        lastError = error;
        // Only an HTTP error answer ("refused": a 5xx here) is worth another try; a rejected
        // token or a server that is gone is not.
        if (!(error instanceof GatewayError && error.kind === "refused")) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, 2_000)));
      }
    }
    this.logger.warning(`could not delete kernel ${this.kernelId}: ${(lastError as Error | undefined)?.message}`);
  }
}

/** How often a failed DELETE of a dead kernel is tried (about 10 s in all). */
const DELETE_ATTEMPTS = 8;

export async function startRemoteKernel(options: StartRemoteKernelOptions): Promise<RemoteKernel> {
  const { name, logger, settings } = options;
  const rest = new GatewayRest(settings);
  if (isInsecure(settings)) {
    logger.warning(`${rest.server} is plain http:// to another machine: the token and all code travel unencrypted`);
  }
  const specs = await rest.kernelspecs();
  const kernelName = options.kernelName ?? specs.default;
  const spec = specs.kernelspecs[kernelName];
  if (!spec) {
    const names = Object.keys(specs.kernelspecs).sort().join(", ") || "none";
    throw new GatewayError("refused", `${rest.server} has no kernelspec "${kernelName}" (it has: ${names})`);
  }
  const model = await rest.startKernel(kernelName);
  logger.debug(`started ${kernelName} kernel ${model.id} on ${rest.server}`);
  let client: KernelClient;
  try {
    client = await attachRemoteKernel(rest, model.id, logger, options.startupTimeoutMs ?? 60_000);
  } catch (error) {
    await rest.deleteKernel(model.id).catch(() => undefined);
    throw error;
  }
  logger.info(
    `kernel ready on ${rest.server} (kernel id ${model.id}): ${client.info.implementation} ${client.info.implementation_version}`,
  );
  return new RemoteKernel(name, model.id, client, rest, logger, spec.spec?.language ?? "");
}
