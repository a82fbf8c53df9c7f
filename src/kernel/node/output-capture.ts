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
 *
 * Last words: a process that calls `process.exit()` ends before pending output is
 * published, and before ZeroMQ has taken what was. On exit, `writeLastWords()` writes
 * all of that text to the real stdout and stderr instead, synchronously, so whoever
 * logs the kernel's streams (the supervisor) gets every line it wrote.
 */
import { writeSync } from "node:fs";
import process from "node:process";
import type { RequestHeader, RequestOrigins } from "./request-origin.js";

export type StreamName = "stdout" | "stderr";

/** Resolves once the message has been handed to ZeroMQ. */
export type StreamPublisher = (name: StreamName, text: string, parent: RequestHeader | undefined) => Promise<void>;

type WriteCallback = (error?: Error | null) => void;

/** Beyond this much pending text, publish now instead of at the end of the tick. */
const FLUSH_THRESHOLD = 64 * 1024;

export class OutputCapture {
  private pending: { name: StreamName; parent: RequestHeader | undefined; chunks: string[]; size: number } | undefined;
  private flushScheduled = false;
  private readonly originalWrites = new Map<StreamName, NodeJS.WriteStream["write"]>();
  /** Published text ZeroMQ has not taken yet, in the order it was written. */
  private readonly unsent = new Set<{ name: StreamName; text: string }>();

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
    const entry = { name: pending.name, text: pending.chunks.join("") };
    this.unsent.add(entry);
    const taken = () => void this.unsent.delete(entry);
    this.publish(entry.name, entry.text, pending.parent).then(taken, taken);
  }

  /** For `process.on("exit")`: writes what never left on iopub to the real streams. */
  writeLastWords(): void {
    const pending = this.pending;
    this.pending = undefined;
    const texts = [...this.unsent];
    if (pending) texts.push({ name: pending.name, text: pending.chunks.join("") });
    this.unsent.clear();
    for (const { name, text } of texts) writeFully(name === "stdout" ? 1 : 2, text);
  }
}

/** A pipe in non-blocking mode may take a write in parts (or not at once: EAGAIN). */
function writeFully(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  for (let attempts = 0; buffer.length > 0 && attempts < 10_000; attempts++) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
    }
  }
}
