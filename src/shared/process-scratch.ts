/**
 * Private scratch directories of a kernel process (0700, from mkdtemp), one per prefix,
 * created on first use and removed when the process exits. What each user of one writes
 * there it removes itself when done; the exit hook is for what the process was doing
 * when it was told to end (the Node kernel exits through `process.exit` on a shutdown
 * request and on SIGTERM, so the hook runs; only SIGKILL leaves a directory behind).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const directories = new Map<string, string>();

export function processScratchDirectory(prefix: string): string {
  const existing = directories.get(prefix);
  if (existing !== undefined) return existing;
  const created = mkdtempSync(join(tmpdir(), prefix));
  directories.set(prefix, created);
  process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  return created;
}
