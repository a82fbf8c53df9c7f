/**
 * `replace_regex` rules for the log hub. A rule's `to` is a template rendered for every
 * match, as Jaffle did: `${...}` expressions are evaluated with `\1`, `\g<name>` in their
 * string arguments standing for the match's groups (so `${jqf('.Host', '\\1')}` runs jq on
 * the captured text), and the literal text around them is a Python replacement template
 * (`\1`, `\g<name>`, `\n`, octal `\033`, `\\`).
 *
 * The log hub calls the compiled rule for every line, synchronously; jq (used by `jq` and
 * `jqf`) must have been loaded once with `await initExpressionEngine()` before.
 */
import { JaffleError } from "../errors.js";
import {
  type EvalContext,
  ExpressionError,
  parseTemplate,
  stringify,
  type Template,
  type TemplatePart as ExprPart,
  type Value,
  evaluatePipeline,
} from "./language.js";
import { standardFilters, standardFunctions } from "./functions.js";
import { initJq } from "./jq.js";
import {
  expandParts,
  type MatchGroups,
  matchGroups,
  parseReplacement,
  pythonRegexSource,
  ReplacementSyntaxError,
  type TemplatePart,
} from "./python-replacement.js";

/** One `replace_regex` rule as written in a logger block. */
export interface ReplaceRule {
  /** A JavaScript regular expression source (Python `re` syntax is close enough for Jaffle's rules). */
  from: string;
  /** A Python-style replacement template (see the top of this file). Kept unrendered. */
  to: string;
}

/** A value `${var.NAME}` can stand for in a rule's `to` (the resolved variables). */
export type VariableValue = string | boolean | number | unknown[] | Record<string, unknown>;

/** A rule whose regular expression or template does not compile. The configuration layer
 * reports it with the rule's place; here rules carry none. */
export class ReplaceRuleError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

export { expandReplacement, parseReplacement, pythonRegexSource } from "./python-replacement.js";

/** Loads what expressions need (jq's WebAssembly module, in a worker). Safe to call many times. */
export function initExpressionEngine(): Promise<void> {
  return initJq();
}

const PYTHON_INLINE_FLAGS = /^\(\?([aiLmsux]+)\)/;

/**
 * A Python regular expression compiled for JavaScript: named groups `(?P<n>...)`, `(?P=n)`
 * and leading inline flags such as `(?i)` are translated. Throws SyntaxError when invalid.
 */
export function compileRegex(source: string, extraFlags = ""): RegExp {
  let body = source;
  let flags = extraFlags;
  const inline = PYTHON_INLINE_FLAGS.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const flag of inline[1]!) {
      if (flag === "i" || flag === "m" || flag === "s") {
        if (!flags.includes(flag)) flags += flag;
      } else if (flag !== "u" && flag !== "a" && flag !== "L") {
        throw new SyntaxError(`the inline flag (?${flag}) is not supported`);
      }
    }
  }
  return new RegExp(pythonRegexSource(body), flags);
}

/** A problem with a `to` template (bad `${...}` or bad escape), or undefined when it is fine. */
export function checkReplacementTemplate(to: string): string | undefined {
  try {
    compileTemplate(to);
    return undefined;
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof ReplacementSyntaxError)
      return `invalid replacement ${JSON.stringify(to)}: ${error.message}`;
    throw error;
  }
}

type CompiledPart = { type: "text"; parts: TemplatePart[] } | Extract<ExprPart, { type: "expr" }>;

function compileTemplate(to: string): { parts: CompiledPart[]; template: Template } {
  const template = parseTemplate(to);
  const parts = template.parts.map((part): CompiledPart =>
    part.type === "text" ? { type: "text", parts: parseReplacement(part.text) } : part,
  );
  return { parts, template };
}

export interface ReplaceOptions {
  /** Variable values for `${var.name}` in `to` (the resolved config's `variable[*].value`). */
  variables?: Record<string, VariableValue>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Compiles a rule into a synchronous line rewriter. Throws ReplaceRuleError for a bad regular
 * expression or template (the error names the rule, since rules carry no position here).
 */
export function compileReplaceRule(rule: ReplaceRule, options: ReplaceOptions = {}): (line: string) => string {
  let regex: RegExp;
  let compiled: ReturnType<typeof compileTemplate>;
  try {
    regex = compileRegex(rule.from, "g");
  } catch (error) {
    throw ruleError(rule, `invalid regular expression: ${(error as Error).message}`);
  }
  try {
    compiled = compileTemplate(rule.to);
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof ReplacementSyntaxError)
      throw ruleError(rule, `invalid replacement: ${error.message}`);
    throw error;
  }
  const hasExpressions = compiled.parts.some((part) => part.type === "expr");
  // Without expressions the template is one text part (none for an empty `to`).
  const literalParts = compiled.parts.flatMap((part) => (part.type === "text" ? part.parts : []));
  const variables = options.variables ?? {};
  const baseContext: Omit<EvalContext, "mapStringArgument"> = {
    variable: (name) => {
      if (!Object.hasOwn(variables, name)) throw new ExpressionError(`undefined variable "${name}"`);
      return variables[name] as Value;
    },
    optionalVariable: (name) => (Object.hasOwn(variables, name) ? (variables[name] as Value) : undefined),
    env: options.env ?? process.env,
    functions: standardFunctions({
      env: options.env ?? process.env,
      cwd: options.cwd ?? process.cwd(),
      jqErrors: "inline",
    }),
    filters: standardFilters,
  };

  const render = (groups: MatchGroups, whole: string): string => {
    if (!hasExpressions) return expandParts(literalParts, groups);
    const context: EvalContext = { ...baseContext, mapStringArgument: (text) => safeExpand(text, groups) };
    let out = "";
    for (const part of compiled.parts) {
      if (part.type === "text") {
        out += expandParts(part.parts, groups);
        continue;
      }
      try {
        out += stringify(evaluatePipeline(part.pipeline, context));
      } catch {
        // A failing expression (say, a command that fails) must not lose the log line.
        return whole;
      }
    }
    return out;
  };

  return (line: string) => {
    regex.lastIndex = 0;
    // The replacer gets the whole match, each capture, the offset, the input, then the
    // named groups when the regex has any.
    return line.replace(regex, (whole: string, ...rest: unknown[]) => {
      const groupsArg = rest.at(-1);
      const hasNamed = typeof groupsArg === "object" && groupsArg !== null;
      const captures = rest.slice(0, rest.length - (hasNamed ? 3 : 2)) as string[];
      const match = Object.assign([whole, ...captures], {
        groups: hasNamed ? (groupsArg as Record<string, string>) : undefined,
      });
      try {
        return render(matchGroups(match as unknown as RegExpExecArray), whole);
      } catch {
        return whole;
      }
    });
  };
}

/** `match.expand()` for a function argument; text that is not a valid template stays as it is. */
function safeExpand(text: string, groups: MatchGroups): string {
  try {
    return expandParts(parseReplacement(text), groups);
  } catch {
    return text;
  }
}

function ruleError(rule: ReplaceRule, message: string): ReplaceRuleError {
  return new ReplaceRuleError(`rule ${JSON.stringify(rule.from)} → ${JSON.stringify(rule.to)}: ${message}`);
}
