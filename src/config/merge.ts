/**
 * Merging configurations as Jaffle did: maps (blocks and objects) merge deeply, key by
 * key; anything else (strings, numbers, lists) is replaced by the later value.
 */
import type { ConfigNode, MapNode } from "./nodes.js";

/**
 * Merges `override` into `base` and returns the result. Both are consumed: `base`'s maps
 * are updated in place (and may share `override`'s entries), so the caller must own
 * both and use only the result afterwards. In place because a file with n blocks of one
 * kind merges n times into the same map: copying it each time made loading quadratic.
 */
export function mergeNodes(base: ConfigNode, override: ConfigNode): ConfigNode {
  if (base.kind !== "map" || override.kind !== "map") return override;
  for (const [key, entry] of override.entries) {
    const existing = base.entries.get(key);
    if (existing) existing.value = mergeNodes(existing.value, entry.value);
    else base.entries.set(key, entry);
  }
  return base;
}

/** Merges `files` in order into `empty`; the first file's positions name a key that several files define. */
export function mergeAll(nodes: MapNode[], empty: MapNode): MapNode {
  return nodes.reduce<MapNode>((acc, node) => mergeNodes(acc, node) as MapNode, empty);
}
