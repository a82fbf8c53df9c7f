/**
 * Parsing configuration files, through the parse cache (parse-cache.ts) and a worker
 * thread (parse-worker.ts): an unchanged file is read back from the cache without
 * loading the HCL parser; the others are parsed in one short-lived worker, whose
 * memory (the parser's WebAssembly heap) is returned when it ends.
 */
import { Worker } from "node:worker_threads";
import type { IssueList } from "./errors.js";
import type { MapNode } from "./nodes.js";
import { cacheDir, cacheKey, readCachedParse, writeCachedParse } from "./parse-cache.js";
import type { ParseRequest, ParseResult } from "./parse-worker.js";

export interface SourceFile {
  /** The name as the user gave it (positions and messages carry it). */
  file: string;
  text: string;
}

/**
 * The node tree of each file, in order; undefined for a file whose problems went to
 * `issues`. `dir` is the cache directory (default: cacheDir()).
 */
export async function parseConfigFiles(
  sources: SourceFile[],
  issues: IssueList,
  dir = cacheDir(),
): Promise<(MapNode | undefined)[]> {
  const keys = sources.map((source) => cacheKey(source.file, source.text));
  const nodes = keys.map((key) => readCachedParse(dir, key));
  const missing = nodes.flatMap((node, index) => (node === undefined ? [index] : []));
  if (missing.length === 0) return nodes;
  const results = await parseInWorker(missing.map((index) => sources[index]!));
  results.forEach((result, at) => {
    const index = missing[at]!;
    for (const issue of result.issues) issues.add(issue, issue.message);
    // Only a clean parse is stored: a file with problems must report them every time.
    if (result.node && result.issues.length === 0) writeCachedParse(dir, keys[index]!, result.node);
    nodes[index] = result.node;
  });
  return nodes;
}

type Reply = { ok: true; results: ParseResult[] } | { ok: false; error: string };

function parseInWorker(requests: ParseRequest[]): Promise<ParseResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./parse-worker.js", import.meta.url), {
      workerData: requests,
      // A worker inherits the process's flags; `--input-type` (node -e) makes it refuse a file.
      execArgv: process.execArgv.filter((flag) => !flag.startsWith("--input-type")),
    });
    let settled = false;
    worker.once("message", (reply: Reply) => {
      settled = true;
      void worker.terminate();
      if (reply.ok) resolve(reply.results);
      else reject(new Error(`the configuration parser failed: ${reply.error}`));
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the configuration parser exited (code ${code}) without an answer`));
    });
  });
}
