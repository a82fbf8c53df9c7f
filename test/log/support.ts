/** A writable that keeps everything written to it, optionally slow (backpressure). */
import { Writable } from "node:stream";

export class MemoryOut extends Writable {
  text = "";
  writes = 0;
  constructor(options: { slow?: boolean; highWaterMark?: number } = {}) {
    super({
      decodeStrings: false,
      highWaterMark: options.highWaterMark ?? 16 * 1024,
      write: (chunk: string | Buffer, _encoding, callback) => {
        this.text += chunk.toString();
        this.writes++;
        // Slow: complete on a later turn so writes queue and write() returns false.
        if (options.slow) setTimeout(callback, 1);
        else callback();
      },
    });
  }
  lines(): string[] {
    return this.text.split("\n").slice(0, -1);
  }
}
