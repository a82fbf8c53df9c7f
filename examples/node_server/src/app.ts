/**
 * The server class the bridge runs: constructed with `argv`, `start()` listens and
 * resolves once it does, `stop()` closes. The bridge also closes anything still open
 * (keep-alive connections) before a restart starts the next instance.
 */
import { createServer, type Server } from "node:http";
import { route } from "./routes.js";

function option(argv: string[], name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

export class ExampleApp {
  server: Server | undefined;
  readonly port: number;
  readonly host: string;
  readonly startedAt = new Date();

  constructor(argv: string[]) {
    this.port = Number(option(argv, "port", "8080"));
    this.host = option(argv, "host", "127.0.0.1");
  }

  start(): Promise<void> {
    const server = createServer((req, res) => {
      const reply = route(new URL(req.url ?? "/", "http://x").pathname, this.startedAt);
      res.writeHead(reply.status, { "content-type": reply.type });
      res.end(reply.body);
      console.log(`${req.method} ${req.url} ${reply.status}`);
    });
    this.server = server;
    return new Promise((resolve) => server.listen(this.port, this.host, resolve));
  }

  stop(): void {
    this.server?.close();
  }
}
