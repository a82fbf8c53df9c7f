/**
 * The only module that talks to the HCL2 parser (@cdktf/hcl2json, a Go HCL2 parser
 * compiled to WebAssembly), so the engine can be swapped for its API-identical fork
 * `@cdktn/hcl2json` here alone. Importing it starts the WebAssembly module (hundreds of
 * milliseconds, about 60 MiB): only the parse worker (parse-worker.ts) and the
 * benchmark import it.
 */
import { parse as hcl2jsonParse } from "@cdktf/hcl2json";
import { type ParserAnswer, type ParserRequest, type ParserValue, PARSER_FILE_NAME } from "./hcl.js";
import type { JsonPath } from "./hcl-syntax.js";

/**
 * Parses a request's text and answers with the value at each of its paths, or with the
 * parser's error message (hcl.ts maps its positions back to the file).
 */
export async function answerParserRequest(request: ParserRequest): Promise<ParserAnswer> {
  let parsed: unknown;
  try {
    parsed = await hcl2jsonParse(PARSER_FILE_NAME, request.text);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, values: request.paths.map((path) => lookup(parsed, path)) };
}

/** hcl2json alone, without our passes (for the benchmark's baseline row). */
export function rawHcl2Json(text: string): Promise<unknown> {
  return hcl2jsonParse(PARSER_FILE_NAME, text);
}

function lookup(root: unknown, path: JsonPath): ParserValue {
  let current = root;
  for (const step of path) {
    if (current === null || typeof current !== "object") return { found: false };
    const record = current as Record<string | number, unknown>;
    if (!(step in record)) return { found: false };
    current = record[step];
  }
  return { found: true, value: current };
}
