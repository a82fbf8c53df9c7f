/**
 * `jaffle kernel --connection-file FILE` runs the built-in Node.js Jupyter kernel (this is
 * the argv of its kernelspec); `jaffle kernel install [--user | --prefix DIR] [--name N]`
 * installs that kernelspec so Jupyter tools can start it.
 */
import type { Argv } from "yargs";
import { BUILTIN_KERNEL_NAME } from "../../kernel/builtin-spec.js";
import { installKernelSpec, type InstallTarget } from "../../kernel/node/install.js";
import { runKernel } from "../../kernel/node/main.js";
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
  builder: (y: Argv) =>
    y
      // Checked in run(), not with yargs `choices`, so the error names the bad value in one line.
      .positional("action", { type: "string", describe: "install: write the jaffle-node kernelspec" })
      .option("connection-file", { type: "string", describe: "Run the kernel on this Jupyter connection file" })
      .option("user", { type: "boolean", describe: "install: into the user's Jupyter data dir (the default)" })
      .option("prefix", { type: "string", describe: "install: into DIR/share/jupyter" })
      .option("name", { type: "string", describe: `install: the kernelspec's name (default ${BUILTIN_KERNEL_NAME})` })
      .conflicts("user", "prefix") as unknown as Argv<KernelArgs>,
  run: async (args) => {
    if (args.action !== undefined && args.action !== "install") {
      throw new UserError(`unknown kernel action ${JSON.stringify(args.action)} (the only one is "install")`);
    }
    if (args.action === "install") {
      if (args["connection-file"] !== undefined)
        throw new UserError("--connection-file runs a kernel; it does not go with install");
      const target: InstallTarget =
        args.prefix !== undefined ? { kind: "prefix", prefix: args.prefix } : { kind: "user" };
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
