/**
 * `jaffle restart NAME...`: restarts processes, apps or kernels of the running jaffle
 * (see Supervisor.restart) and exits once they are ready again: 0, or 1 with the
 * one-line reason of the first that failed.
 */
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { JaffleCommand } from "../main.js";
import { UserError } from "../errors.js";

export interface RestartArgs {
  names: string[];
  "runtime-dir"?: string;
}

export const restartCommand: JaffleCommand<RestartArgs> = {
  command: "restart <names..>",
  describe: "Restart processes, apps or kernels of the running jaffle; exits when they are ready again",
  positionals: { names: { describe: "Block labels: processes, apps or kernels" } },
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of that jaffle (default .jaffle)" },
  },
  run: async (args) => {
    if (args.names.length === 0) throw new UserError("jaffle restart needs <names> (see jaffle --help)", 2);
    const dir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    const { controlRequest } = await import("../control-request.js");
    const result = await controlRequest(dir, { command: "restart", names: args.names });
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    return 0;
  },
};
