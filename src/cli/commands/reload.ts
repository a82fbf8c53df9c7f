/**
 * `jaffle reload`: the running jaffle loads its configuration files again and applies
 * the difference (see Supervisor.reload). Exit 1 with the reason when the files have
 * errors (they are in the run's log, at file:line:col) or a block failed to start.
 */
import { resolveRuntimeDir } from "../../runtime/runtime-dir.js";
import type { JaffleCommand } from "../main.js";

export interface ReloadArgs {
  "runtime-dir"?: string;
}

export const reloadCommand: JaffleCommand<ReloadArgs> = {
  command: "reload",
  describe: "Apply the edited configuration files to the running jaffle",
  options: {
    "runtime-dir": { type: "string", describe: "The runtime directory of that jaffle (default .jaffle)" },
  },
  run: async (args) => {
    const dir = resolveRuntimeDir(process.cwd(), args["runtime-dir"]);
    const { controlRequest } = await import("../control-request.js");
    const result = await controlRequest(dir, { command: "reload" });
    process.stdout.write(`${result.line}\n`);
    return result.failures > 0 ? 1 : 0;
  },
};
