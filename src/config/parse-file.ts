/**
 * Parsing configuration files, through the parse cache (parse-cache.ts): an unchanged
 * file is read back from the cache. The others go through our own passes here (hcl.ts);
 * only a file that needs the HCL2 parser (an expression to evaluate, or syntax only it
 * can judge) is sent to it, in one short-lived worker thread (parse-worker.ts) for all
 * such files, whose memory (the parser's WebAssembly heap) is returned when it ends.
 */
import { IssueList } from "./errors.js";
import type { ParserAnswer, ParserRequest } from "./hcl.js";
import type { MapNode } from "./nodes.js";
import { cacheDir, cacheKey, readCachedParse, writeCachedParse } from "./parse-cache.js";

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
  if (files.every((file) => file.node !== undefined)) return files.map((file) => file.node);
  // Our parser's modules load only when a file is not in the cache.
  const { prepareConfigText } = await import("./hcl.js");
  const missing = files
    .filter((file) => file.node === undefined)
    .map((file) => {
      const own = new IssueList([file.source.file]);
      return { file, own, prepared: prepareConfigText(file.source.file, file.source.text, own) };
    });
  const asking = missing.filter((entry) => entry.prepared?.request !== undefined);
  const answers = asking.length > 0 ? await answerInWorker(asking.map((entry) => entry.prepared!.request!)) : [];
  for (const { file, own, prepared } of missing) {
    const at = asking.findIndex((entry) => entry.file === file);
    if (at >= 0 && answers[at] === undefined)
      throw new Error(`the parse worker answered for ${answers.length} of ${asking.length} files`);
    const node = prepared?.finish(at >= 0 ? answers[at] : undefined, own);
    for (const issue of own.issues) issues.add(issue, issue.message);
    // Only a clean parse is stored: a file with problems must report them every time.
    if (node && own.issues.length === 0) writeCachedParse(dir, file.key, node);
    file.node = node;
  }
  return files.map((file) => file.node);
}

type Reply = { ok: true; answers: ParserAnswer[] } | { ok: false; error: string };

/** worker_threads loads here, with the first file that needs the parser (not for a cached one). */
async function answerInWorker(requests: ParserRequest[]): Promise<ParserAnswer[]> {
  const { Worker } = await import("node:worker_threads");
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
      if (reply.ok) resolve(reply.answers);
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
