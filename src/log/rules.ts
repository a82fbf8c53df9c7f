/**
 * A logger block's rules compiled once per source: the level threshold, suppress
 * patterns and replace rules, applied to every record of that source.
 */
import type { LoggerConfig } from "../config/types.js";
import { compileRegex, compileReplaceRule, type ReplaceOptions } from "../expression/replace.js";
import { LEVELS, type Level } from "./logger.js";

export interface CompiledRules {
  /** Index into LEVELS of the least severe level that passes; -1 when unset. */
  readonly threshold: number;
  /** Returns the rewritten message, or undefined when a suppress pattern matched. */
  apply(msg: string): string | undefined;
}

export function levelIndex(level: Level): number {
  return LEVELS.indexOf(level);
}

/**
 * Compiles `config`; `where` names the block for error messages. Patterns and replace
 * rules use src/expression/replace.ts (Python regex and replacement syntax, `${...}` in
 * `to`), which needs initExpressionEngine() to have been awaited once before.
 */
export function compileRules(
  config: LoggerConfig | undefined,
  where: string,
  replaceOptions: ReplaceOptions = {},
): CompiledRules {
  const threshold = config?.level === undefined ? -1 : levelIndex(config.level);
  const suppress = (config?.suppress_regex ?? []).map((source, i) => {
    try {
      // Python `re` syntax, as Jaffle configs write it: (?P<name>...), (?i), ...
      return compileRegex(source);
    } catch (error) {
      throw new Error(
        `${where}: suppress_regex[${i}] ${JSON.stringify(source)} is not a valid regular expression: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  const replace = (config?.replace_regex ?? []).map((rule) => {
    try {
      return compileReplaceRule(rule, replaceOptions);
    } catch (error) {
      // The config layer's message already names the rule (from → to).
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
  });
  if (suppress.length === 0 && replace.length === 0) return { threshold, apply: (msg) => msg };
  return {
    threshold,
    apply(msg) {
      // Python's re.search semantics: a pattern matching anywhere suppresses the line.
      for (const pattern of suppress) if (pattern.test(msg)) return undefined;
      for (const rewrite of replace) msg = rewrite(msg);
      return msg;
    },
  };
}
