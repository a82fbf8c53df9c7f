/**
 * Finds the servers a user's app starts, so a restart can close them for certain: every
 * `net.Server#listen` (http, https, net, tls, express, fastify... all end there) made
 * while the app's `start()` (or anything it scheduled) runs is adopted by that app's
 * scope, found through AsyncLocalStorage. The scope tracks each server's open sockets,
 * so keep-alive connections can be destroyed and the port is really free when
 * `close()` resolves. Loaded in a kernel or a worker thread, never in the supervisor.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import net from "node:net";
import type { AddressInfo } from "node:net";

const currentScope = new AsyncLocalStorage<ServerScope>();
const PATCHED = Symbol.for("jaffle.serverScope.patched");

function patchListenOnce(): void {
  const proto = net.Server.prototype as net.Server & { [PATCHED]?: boolean };
  if (proto[PATCHED]) return;
  const original = proto.listen;
  proto.listen = function listen(this: net.Server, ...args: unknown[]) {
    currentScope.getStore()?.adopt(this);
    return (original as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof proto.listen;
  proto[PATCHED] = true;
}

interface Tracked {
  server: net.Server;
  sockets: Set<net.Socket>;
  /** Settles when the server listens (or fails to). */
  listening: Promise<void>;
}

export class ServerScope {
  private readonly tracked: Tracked[] = [];
  private failListen!: (error: Error) => void;
  /**
   * Rejects with the first listen error of any adopted server (EADDRINUSE...). An app's
   * start() that waits for its `listening` callback would otherwise never settle.
   */
  readonly listenFailure: Promise<never> = new Promise<never>((_, reject) => (this.failListen = reject));

  constructor() {
    this.listenFailure.catch(() => undefined);
    patchListenOnce();
  }

  /** Runs `fn` so that every server it (eventually) listens on belongs to this scope. */
  run<T>(fn: () => T): T {
    return currentScope.run(this, fn);
  }

  adopt(server: net.Server): void {
    if (this.tracked.some((t) => t.server === server)) return;
    const sockets = new Set<net.Socket>();
    const track = (socket: net.Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    };
    server.on("connection", track);
    server.on("secureConnection", track);
    const listening = new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        server.off("listening", onListening);
        reject(error);
      };
      const onListening = () => {
        server.off("error", onError);
        resolve();
      };
      // Our own error listener also keeps an unhandled EADDRINUSE from killing the kernel.
      server.once("error", onError);
      server.once("listening", onListening);
    });
    listening.catch((error: Error) => this.failListen(error));
    this.tracked.push({ server, sockets, listening });
  }

  get servers(): net.Server[] {
    return this.tracked.map((t) => t.server);
  }

  /** Waits until every adopted server listens; rejects with the first listen error (EADDRINUSE...). */
  async allListening(): Promise<void> {
    // Servers adopted while waiting are waited for too.
    for (let seen = 0; seen < this.tracked.length; seen = this.tracked.length) {
      await Promise.all(this.tracked.slice(seen).map((t) => t.listening));
    }
  }

  addresses(): string[] {
    return this.tracked.flatMap(({ server }) => {
      const address = server.address();
      if (!address) return [];
      if (typeof address === "string") return [address];
      const { address: host, port } = address as AddressInfo;
      return [`${host.includes(":") ? `[${host}]` : host}:${port}`];
    });
  }

  /**
   * Closes every adopted server and destroys its connections (keep-alive ones included);
   * resolves once each server emitted `close`, i.e. its port is released.
   */
  async close(): Promise<void> {
    const tracked = this.tracked.splice(0);
    await Promise.all(
      tracked.map(({ server, sockets }) => {
        if (!server.listening) {
          // The app's stop() closed it already; connections it left open still serve old code.
          for (const socket of sockets) socket.destroy();
          return undefined;
        }
        return new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
          for (const socket of sockets) socket.destroy();
        });
      }),
    );
  }
}
