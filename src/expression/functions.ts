/**
 * Jaffle's interpolation functions and filters (jaffle/functions.py and Mako's filters),
 * for the expression language in expression.ts.
 */
import { execFileSync } from "node:child_process";
import { ExpressionError, type Value } from "./language.js";
import { jqSync } from "./jq.js";
import { firstLine } from "../shared/text.js";

const COLOR_CODES: Record<string, number> = {
  black: 0,
  red: 1,
  green: 2,
  yellow: 3,
  blue: 4,
  magenta: 5,
  cyan: 6,
  white: 7,
};

/** ANSI SGR codes: 30-37 / 40-47, bright ones 90-97 / 100-107. */
function colorCode(name: Value, background: boolean): string {
  if (typeof name !== "string")
    throw new ExpressionError(`a colour name must be a string, not ${JSON.stringify(name)}`);
  const bright = name.startsWith("bright_");
  const base = COLOR_CODES[bright ? name.slice("bright_".length) : name];
  if (base === undefined) {
    const names = Object.keys(COLOR_CODES);
    throw new ExpressionError(
      `invalid colour ${JSON.stringify(name)} (colours: ${[...names, ...names.map((n) => `bright_${n}`)].join(", ")})`,
    );
  }
  const code = (bright ? (background ? 100 : 90) : background ? 40 : 30) + base;
  return `\x1b[${code}m`;
}

export const RESET = "\x1b[0m";

/**
 * Checks how many arguments a call got and returns them typed by that count, so each
 * function reads its required arguments without asserting they are there.
 */
function arity(name: string, args: Value[], min: 0, max: 0): [];
function arity(name: string, args: Value[], min: 1, max: 1): [Value];
function arity(name: string, args: Value[], min: 1, max: 2): [Value, Value?];
function arity(name: string, args: Value[], min: 2, max: 2): [Value, Value];
function arity(name: string, args: Value[], min: number, max: number): (Value | undefined)[] {
  if (args.length < min || args.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    throw new ExpressionError(`${name}() takes ${wanted} argument${max === 1 ? "" : "s"}, got ${args.length}`);
  }
  return args;
}

function stringArg(name: string, value: Value, what: string): string {
  if (typeof value !== "string")
    throw new ExpressionError(`${name}(): ${what} must be a string, not ${JSON.stringify(value)}`);
  return value;
}

export interface FunctionOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * How jq failures show: "throw" at load time (a clear configuration error), "inline"
   * while rewriting log lines (Jaffle printed `jq error: ...` in the line).
   */
  jqErrors: "throw" | "inline";
}

export function standardFunctions(options: FunctionOptions): Record<string, (args: Value[]) => Value> {
  const jqAll = (name: string) => (args: Value[]) => {
    const [query, data] = arity(name, args, 2, 2);
    return runJq(name, query, data, "all", options.jqErrors);
  };
  const jqFirst = (name: string) => (args: Value[]) => {
    const [query, data] = arity(name, args, 2, 2);
    return runJq(name, query, data, "first", options.jqErrors);
  };
  return {
    env: (args) => {
      const [variable, fallback] = arity("env", args, 1, 2);
      const name = stringArg("env", variable, "the variable name");
      return options.env[name] ?? fallback ?? "";
    },
    exec: (args) => {
      const [command] = arity("exec", args, 1, 1);
      return execCommand(stringArg("exec", command, "the command"), options);
    },
    fg: (args) => {
      const [color] = arity("fg", args, 1, 1);
      return colorCode(color, false);
    },
    bg: (args) => {
      const [color] = arity("bg", args, 1, 1);
      return colorCode(color, true);
    },
    reset: (args) => {
      arity("reset", args, 0, 0);
      return RESET;
    },
    jq_all: jqAll("jq_all"),
    jq: jqAll("jq"),
    jq_first: jqFirst("jq_first"),
    jqf: jqFirst("jqf"),
  };
}

/** Runs a command through /bin/sh and returns its standard output; a failure is an error. */
function execCommand(command: string, options: FunctionOptions): string {
  try {
    return execFileSync("/bin/sh", ["-c", command], {
      cwd: options.cwd,
      env: options.env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
  } catch (error) {
    const failure = error as { status?: number | null; signal?: string | null; stderr?: string; message: string };
    const detail = failure.stderr === undefined ? undefined : firstLine(failure.stderr.trim());
    const how =
      failure.status != null
        ? `exit code ${failure.status}`
        : failure.signal
          ? `signal ${failure.signal}`
          : failure.message;
    throw new ExpressionError(`exec(${JSON.stringify(command)}) failed (${how})${detail ? `: ${detail}` : ""}`);
  }
}

function runJq(name: string, query: Value, data: Value, mode: "all" | "first", errors: "throw" | "inline"): string {
  const filter = stringArg(name, query, "the jq query");
  const input = typeof data === "string" ? parseLooseData(data) : data;
  try {
    const outputs = jqSync(filter, JSON.stringify(input)).map((line) => JSON.parse(line) as Value);
    return pythonJsonDumps(mode === "all" ? outputs : (outputs[0] ?? null));
  } catch (error) {
    const message = firstLine(error instanceof Error ? error.message : String(error));
    if (errors === "inline")
      return `jq error: ${message} query: ${pythonRepr(filter)} str: ${pythonRepr(stringifyData(data))}`;
    throw new ExpressionError(`${name}(${JSON.stringify(filter)}): ${message}`);
  }
}

function stringifyData(data: Value): string {
  return typeof data === "string" ? data : JSON.stringify(data);
}

/**
 * Jaffle read jq's input with `yaml.safe_load`, so besides JSON it took Python-style
 * literals such as `{'Host': 'example.com', 'ok': True}` (what Python code logs), and any
 * other text as a plain string. This reads JSON, then that Python/YAML flow style.
 */
export function parseLooseData(text: string): Value {
  try {
    return JSON.parse(text) as Value;
  } catch {
    // not JSON; try the Python literal form below
  }
  const converted = pythonLiteralToJson(text.trim());
  if (converted !== undefined) {
    try {
      return JSON.parse(converted) as Value;
    } catch {
      // not a literal either: a plain string
    }
  }
  return text.trim();
}

function pythonLiteralToJson(text: string): string | undefined {
  if (!/^[[{]/.test(text)) return undefined;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === "\\" && j + 1 < text.length) {
          const next = text.charAt(++j);
          value += next === "n" ? "\n" : next === "t" ? "\t" : next;
        } else {
          value += text[j];
        }
      }
      if (j >= text.length) return undefined;
      out += JSON.stringify(value);
      i = j;
      continue;
    }
    const word = /^[A-Za-z_]+/.exec(text.slice(i))?.[0];
    if (word) {
      const mapped = { True: "true", False: "false", None: "null", true: "true", false: "false", null: "null" }[word];
      if (mapped === undefined) return undefined;
      out += mapped;
      i += word.length - 1;
      continue;
    }
    out += c;
  }
  return out.replace(/,\s*([\]}])/g, "$1");
}

/** `json.dumps()` as Python writes it: `", "` and `": "` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  if (typeof value === "number")
    return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : pyFloat(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`)
    .join(", ")}}`;
}

function pyFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** Python's `repr()` of a string (for Jaffle's jq error text). */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  return (
    quote + text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(new RegExp(quote, "g"), `\\${quote}`) + quote
  );
}

// ---------------------------------------------------------------- filters (Mako's names)

/** `u`: urllib.parse.quote_plus. */
function urlEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/** `h` (markupsafe.escape) and `x` (Mako's xml_escape) escape the same five characters. */
function markupEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

const LATIN1_NAMES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml".split(
    " ",
  );
const GREEK_UPPER =
  "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho _ Sigma Tau Upsilon Phi Chi Psi Omega".split(
    " ",
  );
const OTHER_ENTITIES: Record<number, string> = {
  34: "quot",
  38: "amp",
  60: "lt",
  62: "gt",
  338: "OElig",
  339: "oelig",
  352: "Scaron",
  353: "scaron",
  376: "Yuml",
  402: "fnof",
  710: "circ",
  732: "tilde",
  962: "sigmaf",
  8211: "ndash",
  8212: "mdash",
  8216: "lsquo",
  8217: "rsquo",
  8218: "sbquo",
  8220: "ldquo",
  8221: "rdquo",
  8222: "bdquo",
  8224: "dagger",
  8225: "Dagger",
  8226: "bull",
  8230: "hellip",
  8240: "permil",
  8242: "prime",
  8243: "Prime",
  8249: "lsaquo",
  8250: "rsaquo",
  8364: "euro",
  8482: "trade",
  8592: "larr",
  8593: "uarr",
  8594: "rarr",
  8595: "darr",
  8596: "harr",
  8734: "infin",
  8800: "ne",
  8804: "le",
  8805: "ge",
};

/** Python's html.entities.codepoint2name, for the `entity` filter. */
const ENTITY_NAMES: Map<number, string> = (() => {
  const names = new Map<number, string>(Object.entries(OTHER_ENTITIES).map(([code, name]) => [Number(code), name]));
  LATIN1_NAMES.forEach((name, index) => names.set(160 + index, name));
  GREEK_UPPER.forEach((name, index) => {
    if (name === "_") return;
    names.set(913 + index, name);
    names.set(945 + index, name.toLowerCase());
  });
  return names;
})();

/** `entity`: Mako's html_entities_escape (named entities where HTML has a name). */
function entityEscape(text: string): string {
  let out = "";
  for (const c of text) {
    const name = ENTITY_NAMES.get(c.codePointAt(0)!);
    out += name ? `&${name};` : c;
  }
  return out;
}

export const standardFilters: Record<string, (text: string) => string> = {
  u: urlEscape,
  h: markupEscape,
  x: markupEscape,
  trim: (text) => text.trim(),
  entity: entityEscape,
};
