/**
 * The worker thread that runs the HCL2 parser (see parse-file.ts). The parser is a Go
 * program compiled to WebAssembly that keeps about 60 MiB once started; in a worker that
 * memory goes back when the worker ends, instead of staying in the supervisor for its
 * whole life. Only the rewritten text goes in and only the values of the expressions
 * (or the parser's error) come out: the node tree is built in the caller's thread, so
 * no large structure crosses the thread boundary.
 *
 * workerData: the requests; one reply: an answer per request, in order.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ParserAnswer, ParserRequest } from "./hcl.js";
import { answerParserRequest } from "./hcl2json.js";

async function answerAll(requests: ParserRequest[]): Promise<ParserAnswer[]> {
  const answers: ParserAnswer[] = [];
  for (const request of requests) answers.push(await answerParserRequest(request));
  return answers;
}

answerAll(workerData as ParserRequest[]).then(
  (answers) => parentPort!.postMessage({ ok: true, answers }),
  (error: unknown) =>
    parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.stack : String(error) }),
);
