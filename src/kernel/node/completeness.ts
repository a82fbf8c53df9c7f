/**
 * `is_complete_request`: should a console run the code or ask for another line? The cell
 * parser decides: code that parses is complete; code whose only problem is that it stops
 * too early (an open brace, a dangling operator, an open template literal or comment) is
 * incomplete; anything else is invalid and is run so that the user sees the error.
 */
import { parse } from "acorn";
import { CELL_PARSE_OPTIONS } from "./cell-transform.js";

export type Completeness = { status: "complete" } | { status: "incomplete"; indent: string } | { status: "invalid" };

/** Errors acorn reports at the start of a token that may simply not be finished yet. */
const UNFINISHED_TOKEN = /^Unterminated (template|comment)/;
const INDENT_STEP = "  ";

function nextIndent(code: string): string {
  const lines = code.trimEnd().split("\n");
  const last = lines.at(-1) ?? "";
  const indent = /^\s*/.exec(last)![0];
  return /[{([]\s*$|=>\s*$/.test(last) ? indent + INDENT_STEP : indent;
}

export function checkCompleteness(code: string): Completeness {
  try {
    parse(code, CELL_PARSE_OPTIONS);
    return { status: "complete" };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // `pos` is where the offending token starts: at the end means the input just stopped.
    const pos = (error as SyntaxError & { pos?: number }).pos ?? 0;
    const atEnd = pos >= code.trimEnd().length;
    if (atEnd || UNFINISHED_TOKEN.test(error.message)) return { status: "incomplete", indent: nextIndent(code) };
    return { status: "invalid" };
  }
}
