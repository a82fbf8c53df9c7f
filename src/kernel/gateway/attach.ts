/**
 * A KernelClient on a kernel that already runs on a Jupyter server: its channels
 * WebSocket, kernel_info answered, interrupts through the REST API. Used for kernels
 * jaffle starts there (remote-kernel.ts) and by `jaffle console` for those kernels.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../../log/logger.js";
import { KernelClient } from "../client.js";
import type { GatewayRest } from "./rest.js";
import { WebSocketChannels } from "./ws-channels.js";

export async function attachRemoteKernel(
  rest: GatewayRest,
  kernelId: string,
  logger: Logger,
  readyTimeoutMs: number,
): Promise<KernelClient> {
  // The WebSocket's session_id is the client's session (the server keys its replay buffer on it).
  const session = randomUUID();
  const channels = await WebSocketChannels.connect(rest, kernelId, session, logger);
  return KernelClient.over(channels, {
    logger,
    session,
    interruptMode: "remote",
    remoteInterrupt: () => rest.interruptKernel(kernelId),
    readyTimeoutMs,
  });
}
