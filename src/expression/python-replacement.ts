/**
 * Python's `re` replacement-template syntax (`match.expand()` / `re.sub` templates), which
 * Jaffle's `replace_regex.to` strings use: `\1`..`\99`, `\g<name>`, `\g<1>`, `\n`, `\t`,
 * `\r`, `\f`, `\v`, `\a`, `\b`, octal escapes such as `\033`, and `\\`. Unknown escapes of
 * ASCII letters are errors in Python; here they are reported the same way.
 */
import { JaffleError } from "../errors.js";

/** One parsed piece of a template: literal text or a group reference. */
export type TemplatePart = { text: string } | { group: number | string };

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  f: "\f",
  v: "\v",
  a: "\x07",
  b: "\b",
  "\\": "\\",
};

export class ReplacementSyntaxError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

/** Parses a template; throws ReplacementSyntaxError on a bad escape. */
export function parseReplacement(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  const flush = () => {
    if (text) parts.push({ text });
    text = "";
  };
  for (let i = 0; i < template.length; i++) {
    const c = template.charAt(i);
    if (c !== "\\") {
      text += c;
      continue;
    }
    const next = template[i + 1];
    if (next === undefined) throw new ReplacementSyntaxError("bad escape (end of pattern)");
    if (next === "g") {
      const match = /^<([^>]*)>/.exec(template.slice(i + 2));
      if (!match) throw new ReplacementSyntaxError(`missing group name after \\g at position ${i}`);
      const name = match[1]!;
      if (/^\d+$/.test(name)) {
        flush();
        parts.push({ group: Number(name) });
      } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        flush();
        parts.push({ group: name });
      } else {
        throw new ReplacementSyntaxError(`bad character in group name ${JSON.stringify(name)} at position ${i}`);
      }
      i += 2 + match[0].length - 1;
      continue;
    }
    if (next === "0" || (/[0-7]/.test(next) && /^[0-7]{3}/.test(template.slice(i + 1, i + 4)))) {
      // Octal: \0, \0NN, or three octal digits (\033).
      const match = /^[0-7]{1,3}/.exec(template.slice(i + 1, i + (next === "0" ? 4 : 4)))!;
      const digits = next === "0" ? match[0] : match[0].slice(0, 3);
      const code = parseInt(digits, 8);
      if (code > 0o377) throw new ReplacementSyntaxError(`octal escape value \\${digits} outside of range 0-0o377`);
      text += String.fromCharCode(code);
      i += digits.length;
      continue;
    }
    if (/[1-9]/.test(next)) {
      const match = /^[0-9]{1,2}/.exec(template.slice(i + 1))!;
      flush();
      parts.push({ group: Number(match[0]) });
      i += match[0].length;
      continue;
    }
    if (next in SIMPLE_ESCAPES) {
      text += SIMPLE_ESCAPES[next];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(next)) throw new ReplacementSyntaxError(`bad escape \\${next} at position ${i}`);
    text += "\\" + next;
    i++;
  }
  flush();
  return parts;
}

/** The groups of one regular-expression match, as Python's `match.group()` sees them. */
export interface MatchGroups {
  groups: (string | undefined)[];
  named: Record<string, string | undefined>;
}

export function matchGroups(match: RegExpExecArray): MatchGroups {
  return { groups: [...match], named: { ...(match.groups ?? {}) } };
}

/** Fills a parsed template from a match; throws ReplacementSyntaxError for a group the pattern lacks. */
export function expandParts(parts: TemplatePart[], match: MatchGroups): string {
  let out = "";
  for (const part of parts) {
    if ("text" in part) {
      out += part.text;
    } else if (typeof part.group === "number") {
      if (part.group >= match.groups.length) throw new ReplacementSyntaxError(`invalid group reference ${part.group}`);
      out += match.groups[part.group] ?? "";
    } else {
      if (!(part.group in match.named))
        throw new ReplacementSyntaxError(`unknown group name ${JSON.stringify(part.group)}`);
      out += match.named[part.group] ?? "";
    }
  }
  return out;
}

/** `match.expand(template)`. */
export function expandReplacement(template: string, match: MatchGroups): string {
  return expandParts(parseReplacement(template), match);
}

/**
 * A Python regular expression as a JavaScript one: Jaffle's patterns are Python `re`
 * syntax, which JavaScript reads the same except for named groups `(?P<name>...)` and
 * back-references `(?P=name)`.
 */
export function pythonRegexSource(source: string): string {
  return source
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, "(?<$1>")
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, "\\k<$1>");
}
