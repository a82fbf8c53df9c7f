/**
 * Cleaning a line that came through a pseudo-terminal: programs that see a terminal
 * draw on it (progress bars redrawn with "\r", cursor movement, window titles, erase
 * line). Like Jaffle, keep only colour (SGR, `ESC [ ... m`) and the text a terminal
 * would finally show on that line.
 */

const ESCAPE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?/g;
// eslint-disable-next-line no-control-regex
const OTHER_CONTROLS = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g;

/** Keeps SGR sequences, drops every other escape sequence and control character. */
export function keepOnlyColor(line: string): string {
  let text = line;
  if (text.includes("\x1b")) {
    text = text.replace(ESCAPE, (match: string, params?: string, intermediates?: string, final?: string) =>
      final === "m" && !intermediates && params !== undefined && !/[<=>?]/.test(params) ? match : "",
    );
  }
  // "\r" returns to the start of the line: what follows overwrites what came before.
  // A redraw writes the whole line again, so the last segment is what is on screen.
  const cr = text.lastIndexOf("\r");
  if (cr >= 0) {
    const after = text.slice(cr + 1);
    // A trailing "\r" (nothing after it) leaves the previous drawing visible.
    text = after.length > 0 ? after : lastNonEmptySegment(text);
  }
  if (text.includes("\b")) text = applyBackspaces(text);
  return text.replace(OTHER_CONTROLS, "");
}

function lastNonEmptySegment(text: string): string {
  return text.split("\r").findLast((segment) => segment.length > 0) ?? "";
}

function applyBackspaces(text: string): string {
  const out: string[] = [];
  for (const ch of text) {
    if (ch === "\b") out.pop();
    else out.push(ch);
  }
  return out.join("");
}
