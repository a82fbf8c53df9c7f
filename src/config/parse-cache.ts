/**
 * The parse cache: what parsing a configuration file produced (its positioned node
 * tree), stored in the user's cache directory under a key made of the file's name, its
 * content and the parser's version. `jaffle config` and `jaffle start` on an unchanged
 * file then skip the HCL parser (a WebAssembly module that takes hundreds of
 * milliseconds and about 60 MiB to start).
 *
 * Only successful parses are stored. An entry that cannot be read, does not parse, or
 * names another key or format (a foreign or corrupt file) counts as a miss. Entries are
 * files of mode 0600 in a 0700 directory: a configuration may hold secrets.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ConfigNode, type MapNode, mapNode, type ScalarValue, scalarNode } from "./nodes.js";

/** Overrides where the cache lives (tests point it at a temp dir). */
export const CACHE_DIR_ENV = "JAFFLE_CACHE_DIR";
const FORMAT = "jaffle-parse-cache/1";

/** `$JAFFLE_CACHE_DIR`, else `$XDG_CACHE_HOME/jaffle`, else `~/.cache/jaffle`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[CACHE_DIR_ENV];
  if (own) return own;
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "jaffle");
}

let parserVersion: string | undefined;

/**
 * A hash of everything that decides what a parse produces: this directory's parser
 * modules (as built) and the version of the HCL2 parser package. Any change to either
 * makes every older entry a miss, so no release note has to remember to bump a number.
 */
export function parserVersionHash(): string {
  if (parserVersion !== undefined) return parserVersion;
  const here = dirname(fileURLToPath(import.meta.url));
  const hash = createHash("sha256");
  const modules = readdirSync(here)
    .filter((name) => /^(hcl.*|nodes|merge|errors|parse-.*)\.[cm]?[jt]s$/.test(name))
    .sort();
  for (const name of modules)
    hash
      .update(name)
      .update("\0")
      .update(readFileSync(join(here, name)))
      .update("\0");
  hash.update(hcl2jsonVersion());
  parserVersion = hash.digest("hex");
  return parserVersion;
}

function hcl2jsonVersion(): string {
  const manifest = fileURLToPath(import.meta.resolve("@cdktf/hcl2json/package.json"));
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The cache key of `file` (as the user named it: positions carry that name) holding `text`. */
export function cacheKey(file: string, text: string): string {
  return createHash("sha256")
    .update(parserVersionHash())
    .update("\0")
    .update(file)
    .update("\0")
    .update(text)
    .digest("hex");
}

function entryPath(dir: string, key: string): string {
  return join(dir, "config", `${key}.json`);
}

interface Entry {
  format: string;
  key: string;
  /** The file every position of the tree names (a parse holds one file's positions). */
  file: string;
  node: Flat;
}

/**
 * A tree as one flat JSON array, in preorder: a scalar is `0, line, column, value`; a
 * list `1, line, column, count` and then its items; a map `2, line, column, count` and
 * then, per entry, `key, keyLine, keyColumn` and the value. Positions hold no file name
 * (the entry names it once). A 10 MB configuration's tree is millions of nodes: a
 * reviver called per value, or an array or object per node and per position in the
 * stored form, made the cache slower to read than parsing the file again.
 */
type Flat = (number | string | boolean | null)[];

const SCALAR = 0;
const LIST = 1;
const MAP = 2;

/** Thrown when a tree holds a position of another file (it is then not stored). */
class NotOneFile extends Error {}

function encode(node: ConfigNode, file: string, out: Flat): void {
  if (node.pos.file !== file) throw new NotOneFile();
  switch (node.kind) {
    case "scalar":
      out.push(SCALAR, node.pos.line, node.pos.column, node.value);
      return;
    case "list":
      out.push(LIST, node.pos.line, node.pos.column, node.items.length);
      for (const item of node.items) encode(item, file, out);
      return;
    case "map":
      out.push(MAP, node.pos.line, node.pos.column, node.entries.size);
      for (const entry of node.entries.values()) {
        if (entry.keyPos.file !== file) throw new NotOneFile();
        out.push(entry.key, entry.keyPos.line, entry.keyPos.column);
        encode(entry.value, file, out);
      }
  }
}

/** Thrown on anything that is not an encoded tree (a corrupt or hand-edited entry). */
class Corrupt extends Error {}

/** Reads the flat form back; `at` is the read position, shared through the recursion. */
class Decoder {
  private at = 0;

  constructor(
    private readonly flat: unknown[],
    private readonly file: string,
  ) {}

  /** The whole tree: one node that uses every element. */
  tree(): ConfigNode {
    const node = this.node();
    if (this.at !== this.flat.length) throw new Corrupt();
    return node;
  }

  private number(): number {
    const value = this.flat[this.at++];
    if (typeof value !== "number") throw new Corrupt();
    return value;
  }

  private node(): ConfigNode {
    const kind = this.number();
    const pos = { file: this.file, line: this.number(), column: this.number() };
    if (kind === SCALAR) {
      if (this.at >= this.flat.length) throw new Corrupt();
      const value: unknown = this.flat[this.at++];
      if (value !== null && typeof value === "object") throw new Corrupt();
      return scalarNode(value as ScalarValue, pos);
    }
    const count = this.number();
    if (kind === LIST) {
      const items: ConfigNode[] = [];
      for (let n = 0; n < count; n++) items.push(this.node());
      return { kind: "list", items, pos };
    }
    if (kind !== MAP) throw new Corrupt();
    const node = mapNode(pos);
    for (let n = 0; n < count; n++) {
      const key: unknown = this.flat[this.at++];
      if (typeof key !== "string") throw new Corrupt();
      const keyPos = { file: this.file, line: this.number(), column: this.number() };
      node.entries.set(key, { key, keyPos, value: this.node() });
    }
    return node;
  }
}

/** The stored parse of `key`, or undefined on a miss (absent, unreadable, corrupt or foreign). */
export function readCachedParse(dir: string, key: string): MapNode | undefined {
  let text: string;
  try {
    text = readFileSync(entryPath(dir, key), "utf8");
  } catch {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as Partial<Entry> | null;
    if (entry?.format !== FORMAT || entry.key !== key || typeof entry.file !== "string") return undefined;
    if (!Array.isArray(entry.node)) return undefined;
    const node = new Decoder(entry.node, entry.file).tree();
    return node.kind === "map" ? node : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stores a successful parse. Written to a private temp file, then renamed, so a reader
 * never sees half an entry. A cache that cannot be written (read-only home) is no error:
 * the next load parses again.
 */
export function writeCachedParse(dir: string, key: string, node: MapNode): void {
  const path = entryPath(dir, key);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const flat: Flat = [];
    encode(node, node.pos.file, flat);
    const entry: Entry = { format: FORMAT, key, file: node.pos.file, node: flat };
    writeFileSync(temp, JSON.stringify(entry), { mode: 0o600, flag: "w" });
    // The mode given to open() only applies to a new file and is masked by umask.
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
  }
}
