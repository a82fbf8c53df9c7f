/**
 * `variable` blocks and their values. A variable has a type (str, bool, int, float, list,
 * dict; inferred from its default, else str) and takes its value from, in rising order of
 * precedence: its default, `J_VAR_<name>` in the environment, `--variables` (Jaffle's
 * JSON list `["name=value"]`, or a JSON object) and `--var name=value`.
 * Text values are coerced to the type: "true"/"1"/"false"/"0" for bool, JSON for list
 * and dict.
 */
import type { IssueList, SourcePosition } from "./errors.js";
import { type ConfigNode, describeNode, type MapNode, plainValue } from "./nodes.js";
import type { VariableConfig, VariableType, VariableValue } from "./types.js";
import { MAX_NESTING } from "./hcl-lexer.js";

export const VARIABLE_TYPES: readonly VariableType[] = ["str", "bool", "int", "float", "list", "dict"];
const VARIABLE_KEYS = new Set(["type", "default", "description"]);

/** A value given at run time, and where it came from (for messages). */
interface RuntimeValue {
  value: unknown;
  source: string;
}

export interface VariableSources {
  env: NodeJS.ProcessEnv;
  variablesJson?: string;
  vars?: string[];
}

const CLI_POSITION = (source: string): SourcePosition => ({ file: source, line: 0, column: 0 });

/** Reads the run-time values; malformed command-line values are reported. */
export function runtimeValues(sources: VariableSources, issues: IssueList): Map<string, RuntimeValue> {
  const values = new Map<string, RuntimeValue>();
  for (const [key, value] of Object.entries(sources.env)) {
    if (key.startsWith("J_VAR_") && key.length > 6 && value !== undefined)
      values.set(key.slice(6), { value, source: key });
  }
  if (sources.variablesJson !== undefined && sources.variablesJson.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(sources.variablesJson);
    } catch (error) {
      issues.add(
        CLI_POSITION("--variables"),
        `not valid JSON (${(error as Error).message}); write --variables='["name=value"]'`,
      );
    }
    if (Array.isArray(parsed)) {
      for (const item of parsed) {
        if (typeof item !== "string" || !item.includes("=")) {
          issues.add(
            CLI_POSITION("--variables"),
            `invalid variable assignment ${JSON.stringify(item)}; write "name=value"`,
          );
          continue;
        }
        const eq = item.indexOf("=");
        values.set(item.slice(0, eq), { value: item.slice(eq + 1), source: "--variables" });
      }
    } else if (parsed !== null && typeof parsed === "object") {
      for (const [name, value] of Object.entries(parsed)) values.set(name, { value, source: "--variables" });
    } else if (parsed !== undefined) {
      issues.add(CLI_POSITION("--variables"), 'expected a JSON list such as ["name=value"] or a JSON object');
    }
  }
  for (const assignment of sources.vars ?? []) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) {
      issues.add(
        CLI_POSITION("--var"),
        `invalid variable assignment ${JSON.stringify(assignment)}; write --var name=value`,
      );
      continue;
    }
    values.set(assignment.slice(0, eq), {
      value: assignment.slice(eq + 1),
      source: `--var ${assignment.slice(0, eq)}`,
    });
  }
  return values;
}

/** Resolves every `variable` block; problems name the block, the default or the source at fault. */
export function resolveVariables(
  blocks: MapNode | undefined,
  runtime: Map<string, RuntimeValue>,
  issues: IssueList,
): Map<string, VariableConfig> {
  const resolved = new Map<string, VariableConfig>();
  reportUndeclared(blocks, runtime, issues);
  if (!blocks) return resolved;
  for (const [name, entry] of blocks.entries) {
    const block = entry.value;
    if (block.kind !== "map") {
      issues.add(block.pos, `variable "${name}" must be a block, not ${describeNode(block)}`);
      continue;
    }
    for (const [key, field] of block.entries) {
      if (!VARIABLE_KEYS.has(key))
        issues.add(field.keyPos, `unknown option "${key}" in variable "${name}" (options: type, default, description)`);
    }
    const typeNode = block.entries.get("type")?.value;
    const defaultNode = block.entries.get("default")?.value;
    const description = block.entries.get("description")?.value;
    if (description && !(description.kind === "scalar" && typeof description.value === "string")) {
      issues.add(description.pos, `variable "${name}": description must be a string`);
    }
    let type: VariableType | undefined;
    if (typeNode) {
      const value = typeNode.kind === "scalar" ? typeNode.value : undefined;
      if (typeof value === "string" && (VARIABLE_TYPES as string[]).includes(value)) type = value as VariableType;
      else
        issues.add(
          typeNode.pos,
          `variable "${name}": invalid type ${typeNode.kind === "scalar" ? JSON.stringify(value) : describeNode(typeNode)} (types: ${VARIABLE_TYPES.join(", ")})`,
        );
      if (!type) continue;
    }
    const defaultValue = defaultNode ? plainValue(defaultNode) : undefined;
    type ??= defaultNode ? inferType(defaultNode) : "str";
    let fallback: VariableValue | undefined;
    if (defaultNode && defaultValue !== null) {
      const checked = checkValue(type, defaultValue);
      if (checked.ok) fallback = checked.value;
      else issues.add(defaultNode.pos, `variable "${name}": the default ${checked.message}`);
    }
    const given = runtime.get(name);
    let value: VariableValue | undefined = fallback;
    if (given) {
      const checked = typeof given.value === "string" ? coerceText(type, given.value) : checkValue(type, given.value);
      if (checked.ok) value = checked.value;
      else issues.add(CLI_POSITION(given.source), `variable "${name}": ${checked.message}`);
    }
    if (value === undefined) {
      if (!given && !(defaultNode && defaultValue !== null)) {
        issues.add(
          entry.keyPos,
          `variable "${name}" has no value: give it a default, set J_VAR_${name}, or pass --var ${name}=VALUE`,
        );
      }
      continue;
    }
    const config: VariableConfig = { type, value };
    if (fallback !== undefined) config.default = fallback;
    resolved.set(name, config);
  }
  return resolved;
}

/**
 * A value given on the command line (`--var`, `--variables`) for a variable no block
 * declares is a mistake (a typo, or a file left out); J_VAR_* in the environment may
 * belong to another project and is left alone.
 */
function reportUndeclared(blocks: MapNode | undefined, runtime: Map<string, RuntimeValue>, issues: IssueList): void {
  const declared = [...(blocks?.entries.keys() ?? [])];
  for (const [name, given] of runtime) {
    if (given.source.startsWith("J_VAR_") || declared.includes(name)) continue;
    const known = declared.length > 0 ? `declared: ${declared.join(", ")}` : "no variable block is declared";
    issues.add(CLI_POSITION(given.source), `no variable block declares "${name}" (${known})`);
  }
}

function inferType(node: ConfigNode): VariableType {
  if (node.kind === "list") return "list";
  if (node.kind === "map") return "dict";
  const value = node.value;
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "str";
}

type Checked = { ok: true; value: VariableValue } | { ok: false; message: string };

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** How deep a JSON value nests, counted without recursion (a value may come from the command line). */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A value that is already typed (a default, or a --variables JSON object member). */
function checkValue(type: VariableType, value: unknown): Checked {
  // Later passes walk the value recursively: deeper than a file may nest is refused here.
  if (nestingDepth(value) > MAX_NESTING)
    return { ok: false, message: `the value is nested more than ${MAX_NESTING} levels deep` };
  switch (type) {
    case "str":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      break;
    case "bool":
      if (typeof value === "boolean") return { ok: true, value };
      if (typeof value === "string") return coerceText(type, value);
      break;
    case "int":
      if (typeof value === "number" && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === "string") return coerceText(type, value);
      break;
    case "float":
      if (typeof value === "number") return { ok: true, value };
      if (typeof value === "string") return coerceText(type, value);
      break;
    case "list":
      if (Array.isArray(value)) return { ok: true, value };
      break;
    case "dict":
      if (value !== null && typeof value === "object" && !Array.isArray(value))
        return { ok: true, value: value as Record<string, unknown> };
      break;
  }
  return { ok: false, message: `${show(value)} is not a ${type}` };
}

/** A value given as text (J_VAR_*, --var, Jaffle's --variables list). */
function coerceText(type: VariableType, text: string): Checked {
  switch (type) {
    case "str":
      return { ok: true, value: text };
    case "bool":
      if (text === "true" || text === "1") return { ok: true, value: true };
      if (text === "false" || text === "0") return { ok: true, value: false };
      return { ok: false, message: `${show(text)} is not a bool (use true, false, 1 or 0)` };
    case "int":
      if (/^\s*[+-]?\d+\s*$/.test(text)) return { ok: true, value: Number(text) };
      return { ok: false, message: `${show(text)} is not an int` };
    case "float":
      if (text.trim() !== "" && Number.isFinite(Number(text))) return { ok: true, value: Number(text) };
      return { ok: false, message: `${show(text)} is not a float` };
    case "list":
    case "dict": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, message: `${show(text)} is not a JSON ${type === "list" ? "list" : "object"}` };
      }
      return checkValue(type, parsed);
    }
  }
}
