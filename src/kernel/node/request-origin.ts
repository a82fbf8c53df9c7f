/**
 * Which request started the code that is running now. Every cell runs inside
 * `AsyncLocalStorage.run(header)`, and Node carries that store into everything the cell
 * starts: timers, promises, sockets, a server's request handlers. So output written long
 * after a cell finished (a server logging a request) is published with the header of the
 * cell that started the server, which is how the supervisor routes an app's logs.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MessageHeader } from "../messages.js";

export type RequestHeader = MessageHeader<string>;

export class RequestOrigins {
  private readonly storage = new AsyncLocalStorage<RequestHeader>();
  private latest: RequestHeader | undefined;

  /** Runs `work` (and everything it starts) on behalf of the request with this header. */
  runFor<T>(header: RequestHeader, work: () => T): T {
    this.latest = header;
    return this.storage.run(header, work);
  }

  /** The request the running code belongs to; output of unknown origin goes to the latest. */
  current(): RequestHeader | undefined {
    return this.storage.getStore() ?? this.latest;
  }
}
