/**
 * The worker thread that parses configuration files (see parse-file.ts). The HCL2
 * parser is a Go program compiled to WebAssembly that keeps about 60 MiB once started;
 * in a worker that memory goes back when the worker ends, instead of staying in the
 * supervisor for its whole life.
 *
 * workerData: the files to parse; one reply: a result per file, in order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type ConfigIssue, IssueList } from "./errors.js";
import { parseConfigText } from "./hcl.js";
import type { MapNode } from "./nodes.js";

export interface ParseRequest {
  file: string;
  text: string;
}

export interface ParseResult {
  /** Undefined when the file could not be parsed; `issues` then says why. */
  node: MapNode | undefined;
  issues: ConfigIssue[];
}

async function parseAll(requests: ParseRequest[]): Promise<ParseResult[]> {
  const results: ParseResult[] = [];
  for (const { file, text } of requests) {
    const issues = new IssueList([file]);
    const node = await parseConfigText(file, text, issues);
    results.push({ node, issues: issues.issues });
  }
  return results;
}

parseAll(workerData as ParseRequest[]).then(
  (results) => parentPort!.postMessage({ ok: true, results }),
  (error: unknown) =>
    parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.stack : String(error) }),
);
