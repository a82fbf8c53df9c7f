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
  const files = sources.map((source) => {
    const key = cacheKey(source.file, source.text);
    return { source, key, node: readCachedParse(dir, key) };
  });
  const missing = files.filter((file) => file.node === undefined);
  if (missing.length === 0) return files.map((file) => file.node);
  const results = await parseInWorker(missing.map((file) => file.source));
  missing.forEach((file, at) => {
    const result = results[at];
    if (result === undefined)
      throw new Error(`the parse worker answered for ${results.length} of ${missing.length} files`);
    for (const issue of result.issues) issues.add(issue, issue.message);
    // Only a clean parse is stored: a file with problems must report them every time.
    if (result.node && result.issues.length === 0) writeCachedParse(dir, file.key, result.node);
    file.node = result.node;
  });
  return files.map((file) => file.node);
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
