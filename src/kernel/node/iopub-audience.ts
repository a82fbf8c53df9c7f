/**
 * Who listens on iopub, from the subscriptions the kernel's XPUB socket passes up.
 *
 * Why the kernel cares: a PUB socket drops what it sends while nobody is subscribed, and a
 * client's sockets connect independently. A client whose shell connection is up before its
 * iopub one (jupyter_console 6 sends its first cell without checking iopub) would have the
 * cell run, and its busy, outputs and idle dropped: the client then waits for an idle that
 * never comes. So shell requests that arrive while nobody listens wait for a subscriber,
 * for a bounded time: a client that never subscribes (shell only) pays that wait once, and
 * later requests go through at once until a subscriber has come and gone again.
 */

/** How long a shell request waits for an iopub subscriber: twenty of jupyter_client's reconnect intervals (100 ms). */
export const SUBSCRIBER_WAIT_MS = 2_000;

export class IopubAudience {
  /** Topics with at least one subscriber (XPUB passes the first subscribe and the last unsubscribe of each). */
  private readonly topics = new Set<string>();
  /** Set when a wait ran out with nobody subscribed; cleared when a subscriber arrives. */
  private gaveUp = false;
  private arrived: (() => void)[] = [];

  constructor(private readonly waitMs = SUBSCRIBER_WAIT_MS) {}

  /** One frame read from the XPUB socket: byte 1 (subscribe) or 0 (unsubscribe), then the topic. */
  subscription(frame: Buffer): void {
    const topic = frame.subarray(1).toString("latin1");
    if (frame[0] === 1) {
      this.topics.add(topic);
      this.gaveUp = false;
      for (const resolve of this.arrived.splice(0)) resolve();
    } else if (frame[0] === 0) {
      this.topics.delete(topic);
    }
  }

  get listened(): boolean {
    return this.topics.size > 0;
  }

  /**
   * When the next shell request may run: undefined if at once (somebody listens, or an
   * earlier wait already ran out), so the shell loop does not yield between requests;
   * else a promise that resolves when a subscriber arrives or `waitMs` passed.
   */
  ready(): Promise<void> | undefined {
    if (this.listened || this.gaveUp) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.arrived = this.arrived.filter((waiter) => waiter !== settle);
        if (!this.listened) this.gaveUp = true;
        resolve();
      }, this.waitMs);
      const settle = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.arrived.push(settle);
    });
  }
}
