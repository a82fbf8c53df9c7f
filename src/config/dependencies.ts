/**
 * `depends_on` of apps and processes: every name must be an app or a process of the
 * configuration, and the dependencies must not form a cycle. Both are reported at the
 * `file:line:col` of the offending name, like every other configuration error.
 */
import type { IssueList, SourcePosition } from "./errors.js";
import type { MapNode } from "./nodes.js";

/** The kinds of block that can have and be dependencies. */
export const DEPENDENT_KINDS = ["app", "process"] as const;
type DependentKind = (typeof DEPENDENT_KINDS)[number];

interface Edge {
  to: string;
  pos: SourcePosition;
}

/** Where each block's depends_on names are written: block name to its edges. */
function collectEdges(root: MapNode, kind: DependentKind, into: Map<string, Edge[]>): void {
  const blocks = root.entries.get(kind)?.value;
  if (blocks?.kind !== "map") return;
  for (const [name, block] of blocks.entries) {
    const list = block.value.kind === "map" ? block.value.entries.get("depends_on")?.value : undefined;
    const edges: Edge[] = [];
    if (list?.kind === "list") {
      for (const item of list.items) {
        if (item.kind === "scalar" && typeof item.value === "string") edges.push({ to: item.value, pos: item.pos });
      }
    }
    into.set(name, [...(into.get(name) ?? []), ...edges]);
  }
}

/**
 * Checks the `depends_on` lists of a validated configuration. `root` is the merged node
 * tree (for positions), `result` the validated blocks (for the names that exist).
 */
export function checkDependencies(root: MapNode, result: Record<string, unknown>, issues: IssueList): void {
  const defined = new Map<string, DependentKind[]>();
  for (const kind of DEPENDENT_KINDS) {
    for (const name of Object.keys((result[kind] ?? {}) as Record<string, unknown>)) {
      defined.set(name, [...(defined.get(name) ?? []), kind]);
    }
  }
  const edges = new Map<string, Edge[]>();
  for (const kind of DEPENDENT_KINDS) collectEdges(root, kind, edges);

  for (const [name, list] of edges) {
    for (const edge of list) {
      const kinds = defined.get(edge.to);
      if (!kinds) {
        const known = [...defined.keys()].join(", ") || "none";
        issues.add(edge.pos, `${name} depends_on: no app or process is named "${edge.to}" (defined: ${known})`);
      } else if (kinds.length > 1) {
        issues.add(edge.pos, `${name} depends_on: "${edge.to}" is both an app and a process; rename one of them`);
      } else if (edge.to === name) {
        issues.add(edge.pos, `${name} depends_on: a block cannot depend on itself`);
      }
    }
  }

  // Depth-first search; a back edge closes a cycle, reported once at the edge that closes it.
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "visiting");
    path.push(name);
    for (const edge of edges.get(name) ?? []) {
      if (edge.to === name || !defined.has(edge.to)) continue;
      const seen = state.get(edge.to);
      if (seen === "visiting") {
        const cycle = [...path.slice(path.indexOf(edge.to)), edge.to].join(" -> ");
        issues.add(edge.pos, `depends_on cycle: ${cycle}`);
      } else if (seen === undefined) {
        visit(edge.to);
      }
    }
    path.pop();
    state.set(name, "done");
  };
  for (const name of edges.keys()) if (!state.has(name)) visit(name);
}
