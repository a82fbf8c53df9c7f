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
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { endianness, homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ConfigNode, type MapNode, mapNode, type ScalarValue, scalarNode } from "./nodes.js";

/** Overrides where the cache lives (tests point it at a temp dir). */
export const CACHE_DIR_ENV = "JAFFLE_CACHE_DIR";

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

const ENTRY_SUFFIX = ".bin";

/** Entries kept (the most recently used): each edit of a file makes a new one. */
export const MAX_CACHE_ENTRIES = 64;

/** A temp file this old is a writer that died before its rename. */
const STALE_TEMP_MS = 10 * 60_000;

function entriesDir(dir: string): string {
  return join(dir, "config");
}

function entryPath(dir: string, key: string): string {
  return join(entriesDir(dir), `${key}${ENTRY_SUFFIX}`);
}

/**
 * An entry is one file in three parts: a 4-byte length (little-endian), a JSON header
 * of that many bytes, zero padding to a multiple of 4, then the tree's structure as
 * 32-bit integers in this machine's byte order (named in the format, so another
 * machine's entry is a miss).
 */
interface Header {
  format: string;
  key: string;
  /** The file every position of the tree names (a parse holds one file's positions). */
  file: string;
  /** The tree's keys and scalar values, in the order the structure uses them. */
  values: ScalarValue[];
}

/**
 * The structure, in preorder: a scalar is `0, line, column` (its value is the next of
 * the header's values); a list `1, line, column, count` and then its items; a map
 * `2, line, column, count` and then, per entry, `keyLine, keyColumn` (its key is the
 * next value) and the value. A 10 MB configuration's tree is millions of nodes: a
 * reviver called per value, an array or object per node, or one JSON array of numbers
 * and strings mixed made the cache slower to write and read than parsing the file again.
 */
const SCALAR = 0;
const LIST = 1;
const MAP = 2;

/** Thrown when a tree holds a position of another file (it is then not stored). */
class NotOneFile extends Error {}

/** The structure's integers, in a typed array that doubles when full. */
class IntWriter {
  private ints = new Int32Array(1024);
  private length = 0;

  push(value: number): void {
    if (this.length === this.ints.length) {
      const grown = new Int32Array(this.ints.length * 2);
      grown.set(this.ints);
      this.ints = grown;
    }
    this.ints[this.length++] = value;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.ints.buffer, 0, this.length * 4);
  }
}

function encode(node: ConfigNode, file: string, ints: IntWriter, values: ScalarValue[]): void {
  if (node.pos.file !== file) throw new NotOneFile();
  ints.push(node.kind === "scalar" ? SCALAR : node.kind === "list" ? LIST : MAP);
  ints.push(node.pos.line);
  ints.push(node.pos.column);
  switch (node.kind) {
    case "scalar":
      values.push(node.value);
      return;
    case "list":
      ints.push(node.items.length);
      for (const item of node.items) encode(item, file, ints, values);
      return;
    case "map":
      ints.push(node.entries.size);
      for (const entry of node.entries.values()) {
        if (entry.keyPos.file !== file) throw new NotOneFile();
        ints.push(entry.keyPos.line);
        ints.push(entry.keyPos.column);
        values.push(entry.key);
        encode(entry.value, file, ints, values);
      }
  }
}

/** Thrown on anything that is not an encoded tree (a corrupt or hand-edited entry). */
class Corrupt extends Error {}

/** Reads the structure back; `at` and `next` are the read positions, shared through the recursion. */
class Decoder {
  private at = 0;
  private next = 0;

  constructor(
    private readonly ints: Int32Array,
    private readonly values: unknown[],
    private readonly file: string,
  ) {}

  /** The whole tree: one node that uses every integer and every value. */
  tree(): ConfigNode {
    const node = this.node();
    if (this.at !== this.ints.length || this.next !== this.values.length) throw new Corrupt();
    return node;
  }

  private int(): number {
    if (this.at >= this.ints.length) throw new Corrupt();
    return this.ints[this.at++]!;
  }

  private value(): unknown {
    if (this.next >= this.values.length) throw new Corrupt();
    return this.values[this.next++];
  }

  private node(): ConfigNode {
    const kind = this.int();
    const pos = { file: this.file, line: this.int(), column: this.int() };
    if (kind === SCALAR) {
      const value = this.value();
      if (value !== null && typeof value === "object") throw new Corrupt();
      return scalarNode(value as ScalarValue, pos);
    }
    const count = this.int();
    if (count < 0) throw new Corrupt();
    if (kind === LIST) {
      const items: ConfigNode[] = [];
      for (let n = 0; n < count; n++) items.push(this.node());
      return { kind: "list", items, pos };
    }
    if (kind !== MAP) throw new Corrupt();
    const node = mapNode(pos);
    for (let n = 0; n < count; n++) {
      const keyPos = { file: this.file, line: this.int(), column: this.int() };
      const key = this.value();
      if (typeof key !== "string") throw new Corrupt();
      node.entries.set(key, { key, keyPos, value: this.node() });
    }
    return node;
  }
}

/** This version's format: the structure's integers are in this machine's byte order. */
const FORMAT = `jaffle-parse-cache/2 ${endianness()}`;

const padding = (length: number) => (4 - (length % 4)) % 4;

/** The stored parse of `key`, or undefined on a miss (absent, unreadable, corrupt or foreign). */
export function readCachedParse(dir: string, key: string): MapNode | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(entryPath(dir, key));
  } catch {
    return undefined;
  }
  try {
    if (bytes.length < 4) return undefined;
    const headerEnd = 4 + bytes.readUInt32LE(0);
    const start = headerEnd + padding(headerEnd);
    if (start > bytes.length || (bytes.length - start) % 4 !== 0) return undefined;
    const header = JSON.parse(bytes.toString("utf8", 4, headerEnd)) as Partial<Header> | null;
    if (header?.format !== FORMAT || header.key !== key || typeof header.file !== "string") return undefined;
    if (!Array.isArray(header.values)) return undefined;
    // A typed array over a buffer must start at a multiple of 4: copy when it does not.
    const at = bytes.byteOffset + start;
    const ints =
      at % 4 === 0
        ? new Int32Array(bytes.buffer, at, (bytes.length - start) / 4)
        : new Int32Array(bytes.buffer.slice(at, bytes.byteOffset + bytes.length));
    const node = new Decoder(ints, header.values, header.file).tree();
    if (node.kind !== "map") return undefined;
    markUsed(entryPath(dir, key));
    return node;
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
    const ints = new IntWriter();
    const values: ScalarValue[] = [];
    encode(node, node.pos.file, ints, values);
    const header: Header = { format: FORMAT, key, file: node.pos.file, values };
    const json = Buffer.from(JSON.stringify(header), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length, 0);
    // Buffer.alloc zero-fills: no stray memory reaches the file.
    const entry = Buffer.concat([length, json, Buffer.alloc(padding(4 + json.length)), ints.bytes()]);
    writeFileSync(temp, entry, { mode: 0o600, flag: "w" });
    // The mode given to open() only applies to a new file and is masked by umask.
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
    return;
  }
  pruneCache(dir);
}

/** An entry's time is its last use, so that pruning keeps the entries in use. */
function markUsed(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // A read-only cache still serves its entries.
  }
}

/**
 * Keeps the cache bounded: the MAX_CACHE_ENTRIES most recently used entries stay;
 * older ones, files of an earlier format and temp files left by a writer that died go.
 * Runs after a write (a miss), never on a hit.
 */
export function pruneCache(dir: string): void {
  const folder = entriesDir(dir);
  try {
    const now = Date.now();
    const entries: { path: string; used: number }[] = [];
    for (const name of readdirSync(folder)) {
      // Only names this cache writes: the directory may be one the user chose.
      const ours = OWN_FILE.exec(name);
      if (!ours) continue;
      const path = join(folder, name);
      const used = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
      if (used === undefined) continue;
      const [, suffix, temp] = ours;
      if (temp !== undefined) {
        if (now - used > STALE_TEMP_MS) rmSync(path, { force: true });
      } else if (suffix === ENTRY_SUFFIX) entries.push({ path, used });
      else rmSync(path, { force: true });
    }
    entries.sort((a, b) => b.used - a.used);
    for (const { path } of entries.slice(MAX_CACHE_ENTRIES)) rmSync(path, { force: true });
  } catch {
    // Pruning is housekeeping: a cache it cannot tidy still works.
  }
}

/** An entry (`<key>.bin`, or `.json` of format 1) or its temp file (`<entry>.<pid>.tmp`). */
const OWN_FILE = /^[0-9a-f]{64}(\.bin|\.json)(\.\d+\.tmp)?$/;
