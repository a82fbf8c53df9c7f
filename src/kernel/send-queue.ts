/**
 * zeromq v6 allows one pending `send()` per socket: a second send while the first is
 * still queued throws EBUSY ("Socket is busy writing"). Anything that can send from
 * several places at once (replies, iopub outputs, heartbeats) goes through a SendQueue,
 * which chains the sends so each starts when the previous one has settled.
 */

/** The one method of a zeromq writable socket that the queue needs. */
export interface FrameSender {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly socket: FrameSender) {}

  /** Resolves once these frames are handed to ZeroMQ; rejects only for this send's failure. */
  send(frames: Buffer[]): Promise<void> {
    const sent = this.tail.then(() => this.socket.send(frames));
    // A failed send must not stop the ones queued behind it.
    this.tail = sent.catch(() => undefined);
    return sent;
  }

  /** Resolves when every send queued so far has settled. */
  drained(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
