/**
 * ANSI escape sequences in log text. Messages may carry colour codes (a tty process's
 * output, a replace_regex that colours text as Jaffle configs do); when colour is off
 * the hub removes every escape so plain-text output and files stay readable.
 */

/**
 * Any ECMA-48 escape: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ST`), the C1 CSI
 * byte, and two-byte `ESC x` sequences (charset selection, keypad modes).
 */
const ANY_ESCAPE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]/g;

/** Removes every ANSI escape sequence from `text`. */
export function stripAnsi(text: string): string {
  return text.includes("\x1b") || text.includes("\x9b") ? text.replace(ANY_ESCAPE, "") : text;
}

/** True when `text` contains an escape sequence (so a line must end with a reset). */
export function hasEscape(text: string): boolean {
  return text.includes("\x1b");
}

/** Select Graphic Rendition reset: ends any colour a message left open. */
export const RESET = "\x1b[0m";
