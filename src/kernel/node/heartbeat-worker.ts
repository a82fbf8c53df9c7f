/**
 * The heartbeat, in its own thread: a REP socket that echoes every ping. It has its own
 * event loop and its own ZeroMQ context, so it keeps answering while a cell holds the
 * main thread in a long synchronous loop, and clients do not declare the kernel dead.
 *
 * Protocol with the main thread: workerData `{ endpoint, closed }`; posts `{ ready: true }`
 * once bound or `{ error }` if binding failed; on the message "stop" it closes the socket,
 * sets `closed[0]` to 1 (with Atomics.notify, so a main thread that is exiting can wait
 * for it synchronously) and lets the thread end. Tearing the thread down with the socket
 * still open aborts the whole process in zeromq's native code, so the socket is always
 * closed from inside first.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Reply } from "zeromq";

const port = parentPort!;
const { endpoint, closed } = workerData as { endpoint: string; closed: Int32Array };
const socket = new Reply({ linger: 0 });

function close(): void {
  if (!socket.closed) socket.close();
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
}

port.once("message", close);
try {
  await socket.bind(endpoint);
  port.postMessage({ ready: true });
  for await (const frames of socket) await socket.send(frames);
} catch (error) {
  // Closing the socket ends the loop with an error; anything else is a real failure.
  if (!socket.closed) port.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
  close();
  port.close();
}
