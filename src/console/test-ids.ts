/**
 * Tab completion of test ids (`tests/text/test_shout.py::test_shout`) for `jaffle
 * attach`: by path segment first (`tests/` -> `tests/test_calc.py`, `tests/text/`),
 * then, once the file is complete, by test name.
 */
export function completeTestId(partial: string, ids: readonly string[]): string[] {
  const found = new Set<string>();
  for (const id of ids) {
    if (!id.startsWith(partial)) continue;
    const sep = id.indexOf("::");
    const path = sep >= 0 ? id.slice(0, sep) : id;
    if (partial.length < path.length) {
      const slash = path.indexOf("/", partial.length);
      found.add(slash >= 0 ? path.slice(0, slash + 1) : path);
    } else found.add(id);
  }
  return [...found].sort();
}
