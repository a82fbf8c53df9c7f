/**
 * The directory where a threaded bridge's workers write the module their loader warm-up
 * imports (see warmLoader): private (0700, from mkdtemp), one per kernel process, shared
 * by its bridges, and removed when the process exits. Each warm-up removes its own file;
 * the exit hook catches what a worker terminated mid-warm-up left.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let directory: string | undefined;

export function warmDirectory(): string {
  if (directory !== undefined) return directory;
  const created = mkdtempSync(join(tmpdir(), "jaffle-warm-"));
  directory = created;
  process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  return created;
}
