/**
 * Bytes in, lines out: a child's stdout/stderr arrives in arbitrary chunks; the log
 * wants whole lines. Handles lines split across chunks, multi-byte UTF-8 characters
 * split across chunks, "\r\n", and a last line without a newline (emitted by end()).
 * A line longer than `maxLineLength` characters is emitted in pieces of that length,
 * so a process that never prints a newline cannot grow memory without bound.
 */
import { StringDecoder } from "node:string_decoder";

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    if (text.length === 0) return;
    let start = 0;
    let newline = text.indexOf("\n");
    if (newline >= 0 && this.partial.length > 0) {
      this.emit(this.partial + text.slice(0, newline));
      this.partial = "";
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    while (newline >= 0) {
      this.emit(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    if (start < text.length) {
      this.partial += text.slice(start);
      while (this.partial.length > this.maxLineLength) {
        // Keep a trailing "\r" with its line so a "\r\n" split here is still trimmed.
        let cut = this.maxLineLength;
        if (this.partial.charCodeAt(cut - 1) === 13) cut--;
        this.onLine(this.partial.slice(0, cut));
        this.partial = this.partial.slice(cut);
      }
    }
  }

  /** Emits what remains (a last line without newline). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest.length > 0) this.emit(rest);
  }

  private emit(line: string): void {
    this.onLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  }
}
