/**
 * `jaffle init [--app REF] [--port N] [--file NAME]`: writes a starter jaffle.hcl for the
 * project in the current directory (see ../init/starter.ts for the three forms). It never
 * overwrites: an existing file is an error, and the file is created exclusively, so a
 * file that appears meanwhile is not clobbered either.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JaffleCommand } from "../main.js";
import { UserError } from "../errors.js";

export interface InitArgs {
  app?: string;
  port?: number;
  file: string;
}

const KIND_NAMES = {
  node: "a TypeScript server in the Node.js kernel, with a watchdog",
  python: "a Tornado application in a Python kernel, with a watchdog",
  template: "every block commented out, around one Node.js kernel",
} as const;

export const initCommand: JaffleCommand<InitArgs> = {
  command: "init",
  describe: "Write a starter jaffle.hcl for the project in this directory (never overwrites)",
  options: {
    app: {
      type: "string",
      describe: "The server class: ./src/server.ts#Server (Node) or my_package.app.MyApp (Python)",
    },
    port: { type: "number", describe: "The server's port: argv --port=N and a ready check on it" },
    file: { type: "string", default: "jaffle.hcl", describe: "The file to write" },
  },
  run: async (args) => {
    if (args.port !== undefined && !(Number.isInteger(args.port) && args.port > 0 && args.port < 65536)) {
      throw new UserError(`--port must be a TCP port number (1-65535), got ${String(args.port)}`);
    }
    const dir = process.cwd();
    const { renderStarter, StarterError } = await import("../init/starter.js");
    let starter;
    try {
      starter = renderStarter(dir, { app: args.app, port: args.port });
    } catch (error) {
      if (error instanceof StarterError) throw new UserError(error.message);
      throw error;
    }
    const target = resolve(dir, args.file);
    try {
      writeFileSync(target, starter.text, { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new UserError(`${args.file} already exists; jaffle init never overwrites it`);
      }
      throw error;
    }
    process.stdout.write(`wrote ${args.file}: ${KIND_NAMES[starter.kind]}\n`);
    return 0;
  },
};
