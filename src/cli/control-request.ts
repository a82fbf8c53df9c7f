/**
 * A control request from a CLI command, with the CLI's errors: no jaffle answering here
 * and a refusal both become a one-line UserError (exit 1).
 */
import { ControlRefused, NoControlSocket, request } from "../control/client.js";
import type { ControlRequest, ControlResults } from "../control/protocol.js";
import { UserError } from "./errors.js";

export async function controlRequest<C extends Exclude<ControlRequest["command"], "logs">>(
  runtimeDir: string,
  message: Extract<ControlRequest, { command: C }>,
): Promise<ControlResults[C]> {
  try {
    return await request(runtimeDir, message);
  } catch (error) {
    if (error instanceof NoControlSocket) throw new UserError(`no jaffle is running here: ${error.message}`);
    if (error instanceof ControlRefused) throw new UserError(error.message);
    throw error;
  }
}
