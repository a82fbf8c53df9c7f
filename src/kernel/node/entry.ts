/**
 * `node dist/src/kernel/node/entry.js CONNECTION_FILE`: the Node.js kernel without the
 * CLI in front of it (no yargs, no command modules loaded), for the fastest start.
 */
import process from "node:process";
import { runKernel } from "./main.js";

const connectionFile = process.argv[2];
if (connectionFile === undefined) {
  process.stderr.write("usage: node entry.js CONNECTION_FILE\n");
  process.exit(2);
}
runKernel(connectionFile).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`jaffle-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
