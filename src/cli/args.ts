/**
 * Jaffle's own command-line parser and help text. yargs cost about 100 ms and 15 MiB on
 * every run (twice what `node -e 0` takes); commands such as `jaffle status` must be as
 * quick as Node itself, so each command declares its arguments as data and this module
 * reads argv against that declaration: positionals from the usage string
 * (`start [files..]`), options `--name value`, `--name=value`, aliases `-y`, booleans
 * with `--no-name`, repeatable options, choices and defaults.
 */
import { UserError } from "./errors.js";
import { beforeFirst } from "../shared/text.js";

interface OptionBase {
  describe: string;
  /** A one-letter alias (`-y`). */
  alias?: string;
}
export type OptionSpec =
  | (OptionBase & { type: "boolean"; default?: boolean })
  | (OptionBase & { type: "number"; default?: number })
  | (OptionBase & { type: "string"; default?: string; choices?: readonly string[] })
  | (OptionBase & { type: "string"; array: true; default?: string[] });

export interface PositionalSpec {
  describe: string;
  default?: string | string[];
}

/** What a command declares about its arguments (see JaffleCommand in main.ts). */
export interface CommandSpec {
  /** The usage: the command's name, then `<required>`, `[optional]` or `[variadic..]` positionals. */
  command: string;
  describe: string;
  positionals?: Record<string, PositionalSpec>;
  options?: Record<string, OptionSpec>;
  /** Pairs of options that must not be given together. */
  conflicts?: [string, string][];
}

export type ParsedArgs = Record<string, unknown>;

interface UsagePositional {
  name: string;
  required: boolean;
  variadic: boolean;
}

export function commandName(spec: CommandSpec): string {
  return beforeFirst(spec.command, " ");
}

function usagePositionals(spec: CommandSpec): UsagePositional[] {
  return spec.command
    .split(" ")
    .slice(1)
    .map((word) => {
      const required = word.startsWith("<");
      const inner = word.slice(1, -1);
      const variadic = inner.endsWith("..");
      return { name: variadic ? inner.slice(0, -2) : inner, required, variadic };
    });
}

/** Fails with the one-line message and exit code 2 that every usage mistake gets. */
function usageError(message: string): never {
  throw new UserError(`${message} (see jaffle --help)`, 2);
}

/** Reads `argv` (after the command name) against `spec`; `--help` is answered by the caller. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = spec.options ?? {};
  const byAlias = new Map(Object.entries(options).flatMap(([name, o]) => (o.alias ? [[o.alias, name]] : [])));
  const args: ParsedArgs = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  const words = [...argv];
  for (let word = words.shift(); word !== undefined; word = words.shift()) {
    if (word === "--") {
      positionals.push(...words);
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      positionals.push(word);
      continue;
    }
    const equals = word.indexOf("=");
    const flag = equals === -1 ? word : word.slice(0, equals);
    let inline = equals === -1 ? undefined : word.slice(equals + 1);
    let name = flag.startsWith("--") ? flag.slice(2) : byAlias.get(flag.slice(1));
    let negated = false;
    if (
      name !== undefined &&
      !(name in options) &&
      name.startsWith("no-") &&
      options[name.slice(3)]?.type === "boolean"
    ) {
      name = name.slice(3);
      negated = true;
    }
    const option = name === undefined ? undefined : options[name];
    if (name === undefined || option === undefined) usageError(`Unknown argument: ${flag}`);
    given.add(name);
    if (option.type === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false")
        usageError(`${flag} is a switch; got ${JSON.stringify(inline)}`);
      args[name] = negated ? false : inline !== "false";
      continue;
    }
    if (inline === undefined) {
      const next = words[0];
      // A negative number is a value (`--ready-timeout -3` reaches the command's own check).
      if (next === undefined || (next.startsWith("-") && next !== "-" && !/^-\.?\d/.test(next)))
        usageError(`${flag} needs a value`);
      inline = next;
      words.shift();
    }
    if (option.type === "number") args[name] = Number(inline);
    else if ("array" in option) args[name] = [...((args[name] as string[] | undefined) ?? []), inline];
    else {
      if (option.choices && !option.choices.includes(inline))
        usageError(`${flag}: ${JSON.stringify(inline)} is not one of ${option.choices.join(", ")}`);
      args[name] = inline;
    }
  }
  for (const [a, b] of spec.conflicts ?? []) {
    if (given.has(a) && given.has(b)) usageError(`--${a} and --${b} do not go together`);
  }
  for (const [name, option] of Object.entries(options)) {
    if (!(name in args) && option.default !== undefined) args[name] = option.default;
  }
  const declared = usagePositionals(spec);
  for (const positional of declared) {
    const fallback = spec.positionals?.[positional.name]?.default;
    if (positional.variadic) {
      args[positional.name] = positionals.length > 0 ? positionals.splice(0) : (fallback ?? []);
    } else if (positionals.length > 0) {
      args[positional.name] = positionals.shift();
    } else if (positional.required) {
      usageError(`jaffle ${commandName(spec)} needs <${positional.name}>`);
    } else if (fallback !== undefined) {
      args[positional.name] = fallback;
    }
  }
  if (positionals.length > 0) usageError(`Unknown argument: ${positionals[0]}`);
  return args;
}

function columns(rows: [string, string][], width: number): string[] {
  const left = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => wrap(`  ${name.padEnd(left)}  `, text, width));
}

/** `lead` then `text` word-wrapped to `width`, continuation lines indented under the text. */
function wrap(lead: string, text: string, width: number): string {
  const room = Math.max(20, width - lead.length);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? lead : " ".repeat(lead.length)) + l).join("\n");
}

const HELP_OPTIONS: [string, string][] = [
  ["-h, --help", "Show help"],
  ["    --version", "Show the version number"],
];

function optionLabel(name: string, option: OptionSpec): string {
  const flag = `${option.alias ? `-${option.alias}, ` : "    "}--${name}`;
  return option.type === "boolean" ? flag : `${flag} ${option.type === "number" ? "N" : "VALUE"}`;
}

function optionText(option: OptionSpec): string {
  const notes: string[] = [];
  if ("choices" in option && option.choices) notes.push(`one of ${option.choices.join(", ")}`);
  if ("array" in option) notes.push("repeatable");
  const fallback = option.default;
  if (fallback !== undefined && !(Array.isArray(fallback) && fallback.length === 0))
    notes.push(`default ${JSON.stringify(fallback)}`);
  return notes.length > 0 ? `${option.describe} [${notes.join("; ")}]` : option.describe;
}

/** `jaffle --help`: the command list. */
export function mainHelp(commands: readonly Pick<CommandSpec, "command" | "describe">[], width: number): string {
  return [
    "jaffle <command> [options]",
    "",
    "Commands:",
    ...columns(
      commands.map((c) => [`jaffle ${c.command}`, c.describe]),
      width,
    ),
    "",
    "Options:",
    ...columns(HELP_OPTIONS, width),
    "",
  ].join("\n");
}

/** `jaffle start --help`: one command's usage, positionals and options. */
export function commandHelp(spec: CommandSpec, width: number): string {
  const lines = [`jaffle ${spec.command}`, "", wrap("", spec.describe, width)];
  const positionals = Object.entries(spec.positionals ?? {});
  if (positionals.length > 0)
    lines.push(
      "",
      "Positionals:",
      ...columns(
        positionals.map(([name, p]) => [
          name,
          p.default !== undefined ? `${p.describe} [default ${JSON.stringify(p.default)}]` : p.describe,
        ]),
        width,
      ),
    );
  lines.push(
    "",
    "Options:",
    ...columns(
      [
        ...Object.entries(spec.options ?? {}).map(([name, o]): [string, string] => [
          optionLabel(name, o),
          optionText(o),
        ]),
        ...HELP_OPTIONS,
      ],
      width,
    ),
    "",
  );
  return lines.join("\n");
}

/** The closest command name to a mistyped one (edit distance at most 2), for "Did you mean". */
export function closestName(word: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, one row of the table at a time (the row for `a`'s first i characters). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let distance = b.length;
  for (let i = 1; i <= a.length; i++) {
    // Walking the row: `diagonal` is the cell up-left, `distance` the cell to the left.
    let diagonal = i - 1;
    distance = i;
    const current = [distance];
    for (const [j, above] of previous.slice(1).entries()) {
      distance = Math.min(above + 1, distance + 1, diagonal + (a[i - 1] === b[j] ? 0 : 1));
      current.push(distance);
      diagonal = above;
    }
    previous = current;
  }
  return distance;
}
