/**
 * Helpers for the configuration tests: write files into a fresh temporary directory and
 * load them with the real loader, as `jaffle config` would in that directory.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, formatIssue, type LoadOptions, loadConfig } from "../../src/config/index.js";
import type { JaffleConfig } from "../../src/config/types.js";
import { tempDir } from "../helpers/index.js";
import { builtinApps } from "../../src/apps/catalog.js";

export function writeFiles(t: TestContext, files: Record<string, string>): string {
  const dir = tempDir(t, "jaffle-config-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Loads `files` (in the order given) from a temp dir; `env` defaults to an empty environment. */
export async function load(
  t: TestContext,
  files: Record<string, string>,
  options: LoadOptions = {},
): Promise<JaffleConfig> {
  const cwd = writeFiles(t, files);
  return loadConfig(Object.keys(files), { env: {}, apps: builtinApps, ...options, cwd });
}

/** Loads files that must fail; returns the `file:line:col: message` lines. */
export async function loadErrors(
  t: TestContext,
  files: Record<string, string>,
  options: LoadOptions = {},
): Promise<string[]> {
  try {
    await load(t, files, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.message, error.errors.map(formatIssue).join("\n"));
    return error.errors.map(formatIssue);
  }
  assert.fail("the configuration loaded, but errors were expected");
}

/** The minimal kernel block most tests need. */
export const KERNEL = 'kernel "k" {}\n';
