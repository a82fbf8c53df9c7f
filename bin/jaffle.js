#!/usr/bin/env node
// The installed entry point: runs the compiled CLI, which `npm run build` (or npm's
// `prepare`, on install from a folder or git) writes to dist/.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const cli = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("jaffle is not built: run npm run build\n");
  process.exit(1);
}
const { main } = await import(cli.href);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`jaffle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
