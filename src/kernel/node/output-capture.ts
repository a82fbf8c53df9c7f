/**
 * Turns the kernel process's stdout and stderr into Jupyter `stream` messages. Both
 * streams' `write` methods are replaced (the global `console` writes through them), so
 * `console.log`, `process.stdout.write` and a worker thread's piped output all arrive as
 * stream messages, each attributed to the request that caused it (see RequestOrigins).
 *
 * Consecutive writes to the same stream for the same request are coalesced until the
 * event loop turns, as ipykernel batches its output; `flush()` publishes what is pending
 * and is called before any other message, so outputs keep the order they were written in
 * and always precede the reply.
 */
import process from "node:process";
import type { RequestHeader, RequestOrigins } from "./request-origin.js";

export type StreamName = "stdout" | "stderr";

export type StreamPublisher = (name: StreamName, text: string, parent: RequestHeader | undefined) => void;

type WriteCallback = (error?: Error | null) => void;

/** Beyond this much pending text, publish now instead of at the end of the tick. */
const FLUSH_THRESHOLD = 64 * 1024;

export class OutputCapture {
  private pending: { name: StreamName; parent: RequestHeader | undefined; chunks: string[]; size: number } | undefined;
  private flushScheduled = false;
  private readonly originalWrites = new Map<StreamName, NodeJS.WriteStream["write"]>();

  constructor(
    private readonly origins: RequestOrigins,
    private readonly publish: StreamPublisher,
  ) {}

  /** Writes straight to the process's real stderr: the kernel's own log lines. */
  /** A problem of the kernel's own (a dropped message, a failed send): the real stderr. */
  log(line: string): void {
    const write = this.originalWrites.get("stderr") ?? process.stderr.write;
    write.call(process.stderr, `jaffle-node: ${line}\n`);
  }

  /**
   * A lifecycle notice (listening, stopping): the real stdout, which a supervisor logs at
   * info; stderr would make every start look like a warning.
   */
  notice(line: string): void {
    const write = this.originalWrites.get("stdout") ?? process.stdout.write;
    write.call(process.stdout, `jaffle-node: ${line}\n`);
  }

  install(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      this.originalWrites.set(name, stream.write);
      stream.write = ((chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
        const encoding = typeof encodingOrCallback === "string" ? (encodingOrCallback as BufferEncoding) : "utf8";
        const done = (typeof encodingOrCallback === "function" ? encodingOrCallback : callback) as
          WriteCallback | undefined;
        this.write(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(encoding));
        if (done) process.nextTick(done, null);
        return true;
      }) as NodeJS.WriteStream["write"];
    }
  }

  /** Puts the real streams back (after shutdown, so late output is not lost silently). */
  uninstall(): void {
    this.flush();
    for (const [name, write] of this.originalWrites) process[name].write = write;
    this.originalWrites.clear();
  }

  write(name: StreamName, text: string): void {
    if (text === "") return;
    const parent = this.origins.current();
    if (this.pending && (this.pending.name !== name || this.pending.parent !== parent)) this.flush();
    this.pending ??= { name, parent, chunks: [], size: 0 };
    this.pending.chunks.push(text);
    this.pending.size += text.length;
    if (this.pending.size >= FLUSH_THRESHOLD) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.publish(pending.name, pending.chunks.join(""), pending.parent);
  }
}
