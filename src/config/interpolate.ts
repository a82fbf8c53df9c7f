/**
 * Evaluates `${...}` in every string of the configuration (except the `variable` blocks,
 * and `replace_regex` rules' `to`, which are rendered per log line; see replace.ts). A
 * string that is only `${expr}` takes the expression's type, so `"${var.flag}"` stays a
 * bool. An error names the `file:line:col` of the string that holds the expression.
 */
import type { IssueList } from "./errors.js";
import {
  type EvalContext,
  ExpressionError,
  hasInterpolation,
  parseTemplate,
  renderTemplate,
  type Template,
  templateCalls,
  type Value,
} from "../expression/language.js";
import { standardFilters, standardFunctions } from "../expression/functions.js";
import { initJq } from "../expression/jq.js";
import { type ConfigNode, type ListNode, type MapNode, nodeFromValue, type ScalarNode } from "./nodes.js";
import type { VariableConfig } from "./types.js";
import { schemaAt } from "./schema.js";
import { JaffleError } from "../errors.js";

const JQ_FUNCTIONS = new Set(["jq", "jq_all", "jqf", "jq_first"]);

/** Thrown for a variable that exists but has no valid value: that error was already reported. */
/** Control flow only: the problem is already in the issue list. */
class AlreadyReported extends JaffleError {
  constructor() {
    super("already reported");
  }
}

interface Slot {
  node: ScalarNode & { value: string };
  template: Template;
  replace(node: ConfigNode): void;
}

export interface InterpolationOptions {
  variables: Map<string, VariableConfig>;
  /** Variables declared by a block whose value could not be resolved (already reported). */
  failedVariables: Set<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Interpolates in place. Nodes whose expression failed are added to `unresolved`, so the
 * validator does not report them a second time.
 */
export async function interpolate(
  root: MapNode,
  options: InterpolationOptions,
  issues: IssueList,
  unresolved: WeakSet<ConfigNode>,
): Promise<void> {
  const slots: Slot[] = [];
  let needsJq = false;
  /** Looks at one string holding `${`; `path` is where it is (the walk's own stack: copy it to keep it). */
  const visitString = (node: Slot["node"], path: string[], replace: (node: ConfigNode) => void): void => {
    if (isReplacementTarget(path)) {
      // Rendered per log line later; load jq now if it needs it, so the log hub finds it ready.
      try {
        if (templateCalls(parseTemplate(node.value)).some((name) => JQ_FUNCTIONS.has(name))) needsJq = true;
      } catch {
        // The validator reports a bad template.
      }
      return;
    }
    try {
      slots.push({ node, template: parseTemplate(node.value), replace });
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      issues.add(node.pos, error.message);
      unresolved.add(node);
    }
  };
  // One path array pushed and popped, and a replace function only for a string with `${`:
  // a large file has a million nodes, and a copy of the path per node was most of the walk.
  const walk = (node: MapNode | ListNode, path: string[]): void => {
    if (node.kind === "list") {
      const items = node.items;
      for (let index = 0; index < items.length; index++) {
        const item = items[index]!;
        if (item.kind === "scalar" && !isTemplate(item)) continue;
        path.push(String(index));
        if (item.kind === "scalar") visitString(item, path, (value) => (items[index] = value));
        else walk(item, path);
        path.pop();
      }
      return;
    }
    for (const [key, entry] of node.entries) {
      if (path.length === 0 && key === "variable") continue;
      const value = entry.value;
      if (value.kind === "scalar" && !isTemplate(value)) continue;
      path.push(key);
      if (value.kind === "scalar") visitString(value, path, (replacement) => (entry.value = replacement));
      else walk(value, path);
      path.pop();
    }
  };
  walk(root, []);
  if (needsJq || slots.some((slot) => templateCalls(slot.template).some((name) => JQ_FUNCTIONS.has(name))))
    await initJq();
  if (slots.length === 0) return;

  const context: EvalContext = {
    variable: (name) => {
      const variable = options.variables.get(name);
      if (variable) return variable.value as Value;
      if (options.failedVariables.has(name)) throw new AlreadyReported();
      throw new ExpressionError(`undefined variable "${name}" (no variable block declares it)`);
    },
    optionalVariable: (name) => options.variables.get(name)?.value as Value | undefined,
    env: options.env,
    functions: standardFunctions({ env: options.env, cwd: options.cwd, jqErrors: "throw" }),
    filters: standardFilters,
  };
  for (const slot of slots) {
    try {
      const value = renderTemplate(slot.template, context);
      slot.replace(nodeFromValue(value, slot.node.pos));
    } catch (error) {
      unresolved.add(slot.node);
      if (error instanceof AlreadyReported) continue;
      if (!(error instanceof ExpressionError)) throw error;
      issues.add(slot.node.pos, error.message);
    }
  }
}

function isTemplate(node: ScalarNode): node is Slot["node"] {
  return typeof node.value === "string" && hasInterpolation(node.value);
}

/** A `replace_regex` rule's `to` is a per-line template: kept unrendered. */
function isReplacementTarget(path: string[]): boolean {
  return schemaAt(path)?.kind === "replacement";
}
