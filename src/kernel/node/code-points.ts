/**
 * Jupyter counts cursor positions in Unicode code points (protocol 5.2+); JavaScript
 * strings index UTF-16 code units. These convert between the two, so an emoji before
 * the cursor does not shift completions by one.
 */

/** The UTF-16 index of the `codePoints`-th code point (clamped to the string's end). */
export function codePointToIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen++) {
    const code = text.codePointAt(index)!;
    index += code > 0xffff ? 2 : 1;
  }
  return index;
}

/** The number of code points in `text.slice(0, index)`. */
export function indexToCodePoint(text: string, index: number): number {
  let count = 0;
  for (let i = 0; i < index && i < text.length; count++) {
    const code = text.codePointAt(i)!;
    i += code > 0xffff ? 2 : 1;
  }
  return count;
}
