/** Lists whose first element the type system knows about. */

/** A list with at least one element: `list[0]` is an element, not possibly undefined. */
export type NonEmpty<T> = [T, ...T[]];

/** Narrows `items` to a non-empty list by checking its length. */
export function isNonEmpty<T>(items: T[]): items is NonEmpty<T> {
  return items.length > 0;
}
