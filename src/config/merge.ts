/**
 * Merging configurations as Jaffle did: maps (blocks and objects) merge deeply, key by
 * key; anything else (strings, numbers, lists) is replaced by the later value.
 */
import type { ConfigNode, MapNode } from "./nodes.js";

export function mergeNodes(base: ConfigNode, override: ConfigNode): ConfigNode {
  if (base.kind !== "map" || override.kind !== "map") return override;
  const merged: MapNode = { kind: "map", entries: new Map(base.entries), pos: base.pos };
  for (const [key, entry] of override.entries) {
    const existing = merged.entries.get(key);
    merged.entries.set(
      key,
      existing ? { key, keyPos: existing.keyPos, value: mergeNodes(existing.value, entry.value) } : entry,
    );
  }
  return merged;
}

/** Merges `files` in order; the first file's positions name a key that several files define. */
export function mergeAll(nodes: MapNode[], empty: MapNode): MapNode {
  return nodes.reduce<MapNode>((acc, node) => mergeNodes(acc, node) as MapNode, empty);
}
