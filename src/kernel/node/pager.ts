/**
 * `obj?` and `?obj` (and `obj??` / `??obj` for more detail, with the source) as a whole
 * cell: IPython's help syntax. The cell is not run; the inspection of `obj` goes back as
 * a `page` payload of the execute reply, which notebooks show in their pager and
 * `jupyter console` prints.
 */
import type { JsonObject } from "../messages.js";
import { inspectAt } from "./inspection.js";

/** A dotted name (`server`, `api.server.start`) with one or two question marks on one side. */
const HELP_CELL =
  /^\s*(?:(\?{1,2})\s*([\p{ID_Start}$_][\p{ID_Continue}$.]*)|([\p{ID_Start}$_][\p{ID_Continue}$.]*)\s*(\?{1,2}))\s*$/u;

export interface HelpRequest {
  name: string;
  detailLevel: 0 | 1;
}

/** The name a cell asks help for, or undefined for any other cell. */
export function parseHelpRequest(code: string): HelpRequest | undefined {
  const match = HELP_CELL.exec(code);
  if (!match) return undefined;
  const name = match[2] ?? match[3]!;
  if (name.endsWith(".") || name.includes("..")) return undefined;
  const marks = match[1] ?? match[4]!;
  return { name, detailLevel: marks.length === 2 ? 1 : 0 };
}

/** The execute reply's payload for a help cell: one `page`, found or not (IPython's wording). */
export function pagePayload(request: HelpRequest): JsonObject {
  const inspection = inspectAt(request.name, request.name.length, request.detailLevel);
  const text = inspection.found ? inspection.data["text/plain"] : `Object \`${request.name}\` not found.`;
  return { source: "page", data: { "text/plain": text }, start: 0 };
}
