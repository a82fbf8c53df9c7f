/**
 * The configuration as a tree of positioned nodes: what the parsers produce and what
 * merging, variables, interpolation and validation work on. Keeping the position on
 * every node is what lets each later stage name `file:line:col` in its errors.
 */
import type { SourcePosition } from "./errors.js";

export type ScalarValue = string | number | boolean | null;

export interface ScalarNode {
  kind: "scalar";
  value: ScalarValue;
  pos: SourcePosition;
}

export interface ListNode {
  kind: "list";
  items: ConfigNode[];
  pos: SourcePosition;
}

export interface MapEntry {
  key: string;
  keyPos: SourcePosition;
  value: ConfigNode;
}

export interface MapNode {
  kind: "map";
  /** Insertion order is file order. */
  entries: Map<string, MapEntry>;
  pos: SourcePosition;
}

export type ConfigNode = ScalarNode | ListNode | MapNode;

export function scalarNode(value: ScalarValue, pos: SourcePosition): ScalarNode {
  return { kind: "scalar", value, pos };
}

export function mapNode(pos: SourcePosition): MapNode {
  return { kind: "map", entries: new Map(), pos };
}

/** Builds nodes from a plain JSON value; every node gets `pos` (used for values computed by an expression). */
export function nodeFromValue(value: unknown, pos: SourcePosition): ConfigNode {
  if (Array.isArray(value)) return { kind: "list", items: value.map((item) => nodeFromValue(item, pos)), pos };
  if (value !== null && typeof value === "object") {
    const node = mapNode(pos);
    for (const [key, item] of Object.entries(value))
      node.entries.set(key, { key, keyPos: pos, value: nodeFromValue(item, pos) });
    return node;
  }
  if (value === undefined) return scalarNode(null, pos);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) {
    return scalarNode(value, pos);
  }
  return scalarNode(String(value), pos);
}

/** The plain JSON value of a node. */
export function plainValue(node: ConfigNode): unknown {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "list":
      return node.items.map(plainValue);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [key, entry] of node.entries) out[key] = plainValue(entry.value);
      return out;
    }
  }
}

/** A short description of a node's type for error messages. */
export function describeNode(node: ConfigNode): string {
  if (node.kind === "list") return "a list";
  if (node.kind === "map") return "a block or object";
  const value = node.value;
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}
