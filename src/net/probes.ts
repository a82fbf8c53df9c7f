/**
 * The two network probes behind readiness: does a URL answer as a ready server would, and
 * does a port accept connections. Below apps and the supervisor, so both can use them.
 */
import { connect } from "node:net";

/** One probe may not take longer than this, so a hung server cannot stall the poll loop. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * True when the URL answers with one of `statuses`, by default any 2xx or 3xx. A 404 is
 * not ready: it is what a foreign server on the app's port, or a server whose routes did
 * not load, answers.
 */
export async function probeUrl(url: string, statuses?: readonly number[]): Promise<boolean> {
  try {
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return statuses ? statuses.includes(response.status) : response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function probePort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
