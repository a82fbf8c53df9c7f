/**
 * `jaffle kernel --connection-file FILE` runs the built-in Node.js Jupyter kernel (this is
 * the argv of its kernelspec); `jaffle kernel install [--user | --prefix DIR] [--name N]`
 * installs that kernelspec so Jupyter tools can start it.
 */
import { BUILTIN_KERNEL_NAME } from "../../kernel/builtin-spec.js";
import type { InstallTarget } from "../../kernel/node/install.js";
import { UserError } from "../errors.js";
import type { JaffleCommand } from "../main.js";

export interface KernelArgs {
  action?: string;
  "connection-file"?: string;
  user?: boolean;
  prefix?: string;
  name?: string;
}

export const kernelCommand: JaffleCommand<KernelArgs> = {
  command: "kernel [action]",
  describe: "Run the built-in Node.js Jupyter kernel, or install its kernelspec (kernel install)",
  // `action` is checked in run(), so the error names the bad value in one line.
  positionals: { action: { describe: "install: write the jaffle-node kernelspec" } },
  options: {
    "connection-file": { type: "string", describe: "Run the kernel on this Jupyter connection file" },
    user: { type: "boolean", describe: "install: into the user's Jupyter data dir (the default)" },
    prefix: { type: "string", describe: "install: into DIR/share/jupyter" },
    name: { type: "string", describe: `install: the kernelspec's name (default ${BUILTIN_KERNEL_NAME})` },
  },
  conflicts: [["user", "prefix"]],
  run: async (args) => {
    if (args.action !== undefined && args.action !== "install") {
      throw new UserError(`unknown kernel action ${JSON.stringify(args.action)} (the only one is "install")`);
    }
    if (args.action === "install") {
      if (args["connection-file"] !== undefined)
        throw new UserError("--connection-file runs a kernel; it does not go with install");
      const target: InstallTarget =
        args.prefix !== undefined ? { kind: "prefix", prefix: args.prefix } : { kind: "user" };
      const { installKernelSpec } = await import("../../kernel/node/install.js");
      let directory: string;
      try {
        directory = await installKernelSpec({ target, ...(args.name !== undefined ? { name: args.name } : {}) });
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      process.stdout.write(`Installed kernelspec ${args.name ?? BUILTIN_KERNEL_NAME} in ${directory}\n`);
      return 0;
    }
    for (const option of ["user", "prefix", "name"] as const) {
      if (args[option] !== undefined) throw new UserError(`--${option} goes with "jaffle kernel install"`);
    }
    const connectionFile = args["connection-file"];
    if (connectionFile === undefined)
      throw new UserError("--connection-file FILE is required to run the kernel (or: jaffle kernel install)");
    // Imported here: the kernel (and its ZeroMQ) is for this command only (see main.ts).
    const { runKernel } = await import("../../kernel/node/main.js");
    let code: number;
    try {
      code = await runKernel(connectionFile);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    // The user's servers and timers would keep the process alive after shutdown.
    process.exit(code);
  },
};
