/**
 * Cutting a string at a separator, typed as what it is: the part before the first (or
 * after the last) separator always exists (the whole string when there is none), so
 * callers need neither `split(...)[0]` nor an assertion that it is there.
 */

/** The text before the first `separator`, or all of it when there is none. */
export function beforeFirst(text: string, separator: string): string {
  const at = text.indexOf(separator);
  return at < 0 ? text : text.slice(0, at);
}

/** The first line of a (possibly multi-line) message. */
export function firstLine(text: string): string {
  return beforeFirst(text, "\n");
}

/** The text after the last `separator`, or all of it when there is none. */
export function afterLast(text: string, separator: string): string {
  const at = text.lastIndexOf(separator);
  return at < 0 ? text : text.slice(at + separator.length);
}

/** The last line of a (possibly multi-line) text. */
export function lastLine(text: string): string {
  return afterLast(text, "\n");
}
