/**
 * The heartbeat, in its own thread: a REP socket that echoes every ping. It has its own
 * event loop and its own ZeroMQ context, so it keeps answering while a cell holds the
 * main thread in a long synchronous loop, and clients do not declare the kernel dead.
 *
 * Protocol with the main thread: workerData `{ endpoint }`; posts `{ ready: true }` once
 * bound or `{ error }` if binding failed; on the message "stop" it closes the socket and
 * lets the thread end. (Terminating the thread with the socket open aborts the process in
 * zeromq's native code, so the socket is always closed from inside.)
 */
import { parentPort, workerData } from "node:worker_threads";
import { Reply } from "zeromq";

const port = parentPort!;
const { endpoint } = workerData as { endpoint: string };
const socket = new Reply({ linger: 0 });

port.once("message", () => socket.close());
try {
  await socket.bind(endpoint);
  port.postMessage({ ready: true });
  for await (const frames of socket) await socket.send(frames);
} catch (error) {
  // Closing the socket ends the loop with an error; anything else is a real failure.
  if (!socket.closed) port.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
  if (!socket.closed) socket.close();
  port.close();
}
