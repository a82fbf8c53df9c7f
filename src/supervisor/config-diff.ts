/**
 * What a reload has to do: the difference between the configuration a run started with
 * and the one just loaded, block by block. Disabled blocks count as absent, so enabling
 * one adds it and disabling one removes it. A block whose only change is its `logger`
 * block is listed apart: its rules are swapped without restarting it.
 */
import type { JaffleConfig } from "../config/types.js";

export type BlockKind = "kernel" | "app" | "process" | "job";
export const BLOCK_KINDS: readonly BlockKind[] = ["kernel", "app", "process", "job"];

export interface BlockChanges {
  added: string[];
  removed: string[];
  /** Changed in something other than (or besides) its logger block: restarted. */
  changed: string[];
  /** Only the logger block changed: applied in place. */
  loggerOnly: string[];
  unchanged: string[];
}

export interface ConfigDiff {
  blocks: Record<BlockKind, BlockChanges>;
  /** The root `logger` block changed. */
  rootLogger: boolean;
}

/** JSON with sorted keys: the same configuration written in another key order is equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** The blocks of one kind that run: disabled apps and processes are left out. */
export function enabledBlocks(config: JaffleConfig, kind: BlockKind): Record<string, { logger?: unknown }> {
  const blocks = config[kind] as Record<string, { disabled?: boolean; logger?: unknown }>;
  return Object.fromEntries(Object.entries(blocks).filter(([, block]) => block.disabled !== true));
}

function diffKind(before: Record<string, { logger?: unknown }>, after: Record<string, { logger?: unknown }>) {
  const changes: BlockChanges = { added: [], removed: [], changed: [], loggerOnly: [], unchanged: [] };
  for (const name of Object.keys(before)) if (!Object.hasOwn(after, name)) changes.removed.push(name);
  for (const [name, block] of Object.entries(after)) {
    const old = before[name];
    if (old === undefined) changes.added.push(name);
    else if (canonical(old) === canonical(block)) changes.unchanged.push(name);
    else if (canonical({ ...old, logger: null }) === canonical({ ...block, logger: null }))
      changes.loggerOnly.push(name);
    else changes.changed.push(name);
  }
  return changes;
}

export function diffConfigs(before: JaffleConfig, after: JaffleConfig): ConfigDiff {
  const blocks = Object.fromEntries(
    BLOCK_KINDS.map((kind) => [kind, diffKind(enabledBlocks(before, kind), enabledBlocks(after, kind))]),
  ) as Record<BlockKind, BlockChanges>;
  // An app in a changed kernel is created again in the new kernel: it counts as changed.
  for (const kernel of blocks.kernel.changed) {
    const apps = blocks.app;
    for (const list of [apps.unchanged, apps.loggerOnly]) {
      for (const name of list.filter((app) => after.app[app]?.kernel === kernel)) {
        list.splice(list.indexOf(name), 1);
        apps.changed.push(name);
      }
    }
  }
  return { blocks, rootLogger: canonical(before.logger) !== canonical(after.logger) };
}

/** One line for the log: `reload: added process b; removed app w; changed kernel k; 3 unchanged`. */
export function describeDiff(diff: ConfigDiff): string {
  const parts: string[] = [];
  const say = (verb: string, pick: (changes: BlockChanges) => string[]) => {
    const named = BLOCK_KINDS.flatMap((kind) => pick(diff.blocks[kind]).map((name) => `${kind} ${name}`));
    if (named.length > 0) parts.push(`${verb} ${named.join(", ")}`);
  };
  say("added", (c) => c.added);
  say("removed", (c) => c.removed);
  say("restarted", (c) => c.changed);
  say("new logger rules for", (c) => c.loggerOnly);
  if (diff.rootLogger) parts.push("new root logger rules");
  const unchanged = BLOCK_KINDS.reduce((sum, kind) => sum + diff.blocks[kind].unchanged.length, 0);
  if (parts.length === 0) return `reload: nothing changed (${unchanged} blocks untouched)`;
  return `reload: ${parts.join("; ")}; ${unchanged} unchanged`;
}

export function isEmptyDiff(diff: ConfigDiff): boolean {
  return (
    !diff.rootLogger &&
    BLOCK_KINDS.every((kind) => {
      const c = diff.blocks[kind];
      return c.added.length + c.removed.length + c.changed.length + c.loggerOnly.length === 0;
    })
  );
}
