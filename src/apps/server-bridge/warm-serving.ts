/**
 * Readies a spare worker's serving path before it serves: a fresh thread runs Node's
 * http and net code cold, which the app's first listen and first response then paid
 * (the listen phase was 3 ms in a new worker against 0.4 on the kernel's loop, and the
 * first response several more). One loopback request to a server of our own, opened in
 * a ServerScope as the app's servers are and closed the same way. Never the user's code.
 */
import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { ServerScope } from "./server-scope.js";

export async function warmServing(): Promise<void> {
  const scope = new ServerScope();
  const server = scope.run(() => createServer((_request, response) => response.end("warm")).listen(0, "127.0.0.1"));
  try {
    await Promise.race([scope.allListening(), scope.listenFailure]);
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      get({ host: "127.0.0.1", port, agent: false }, (response) => response.resume().on("end", resolve)).on(
        "error",
        reject,
      );
    });
  } finally {
    await scope.close();
  }
}
