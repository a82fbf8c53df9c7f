/**
 * Loading jaffle's configuration: read every file (HCL or JSON), merge them in order,
 * resolve variables, evaluate `${...}`, validate against the schema and fill defaults.
 * Any problem anywhere is reported with the others in one ConfigError.
 *
 *   const config = await loadConfig(["jaffle.hcl", "local.hcl"], { vars: ["port=8080"] });
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError, IssueList } from "./errors.js";
import { interpolate } from "./interpolate.js";
import { mergeAll } from "./merge.js";
import { parseConfigFiles, type SourceFile } from "./parse-file.js";
import { type ConfigNode, type MapNode, mapNode } from "./nodes.js";
import type { AppCatalog } from "./schema.js";
import type { JaffleConfig } from "./types.js";
import { Validator } from "./validate.js";
import { resolveVariables, runtimeValues } from "./variables.js";

export { ConfigError, formatIssue, type ConfigIssue, type SourcePosition } from "./errors.js";
import {
  compileReplaceRule as compileRule,
  type ReplaceOptions,
  type ReplaceRule,
  ReplaceRuleError,
} from "../expression/replace.js";
import { isNonEmpty, type NonEmpty } from "../shared/lists.js";

export { compileRegex, initExpressionEngine, type ReplaceOptions } from "../expression/replace.js";
export type * from "./types.js";
export type { AppCatalog, ObjectSchema } from "./schema.js";
export { checkOptions, OptionsError } from "./validate.js";

export const DEFAULT_CONFIG_FILES: NonEmpty<string> = ["jaffle.hcl"];

/**
 * A `replace_regex` rule as a line rewriter, for callers of the configuration API: a rule
 * that does not compile is a ConfigError naming it (rules carry no position of their own).
 */
export function compileReplaceRule(rule: ReplaceRule, options: ReplaceOptions = {}): (line: string) => string {
  try {
    return compileRule(rule, options);
  } catch (error) {
    if (error instanceof ReplaceRuleError)
      throw new ConfigError([{ file: "replace_regex", line: 0, column: 0, message: error.message }]);
    throw error;
  }
}

export interface LoadOptions {
  /** Jaffle's `--variables` value: a JSON list `["name=value"]` or a JSON object. */
  variablesJson?: string;
  /** `--var name=value`, repeatable; wins over --variables and J_VAR_*. */
  vars?: string[];
  /** The environment for J_VAR_*, `${NAME}`, env() and exec() (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The directory relative file names and exec() commands start from (default: process.cwd()). */
  cwd?: string;
  /** The app classes whose options are checked against their own schema (see AppCatalog). */
  apps?: AppCatalog;
  /** Where parses are cached (default: $JAFFLE_CACHE_DIR, else the user cache dir; see parse-cache.ts). */
  cacheDir?: string;
}

export async function loadConfig(files: string[], options: LoadOptions = {}): Promise<JaffleConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const names = isNonEmpty(files) ? files : DEFAULT_CONFIG_FILES;
  const issues = new IssueList(names);

  const sources: SourceFile[] = [];
  for (const name of names) {
    try {
      sources.push({ file: name, text: await readFile(resolve(cwd, name), "utf8") });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.add(
        { file: name, line: 0, column: 0 },
        code === "ENOENT" ? "no such configuration file" : (error as Error).message,
      );
    }
  }
  const parsed = (await parseConfigFiles(sources, issues, options.cacheDir)).filter(
    (node): node is MapNode => node !== undefined,
  );
  issues.throwIfAny();

  const root = mergeAll(parsed, mapNode({ file: names[0], line: 1, column: 1 }));
  const runtime = runtimeValues({ env, variablesJson: options.variablesJson, vars: options.vars }, issues);
  const variableBlocks = root.entries.get("variable");
  let variableMap: MapNode | undefined;
  if (variableBlocks && variableBlocks.value.kind !== "map")
    issues.add(variableBlocks.value.pos, 'variable must be blocks: variable "name" { ... }');
  else variableMap = variableBlocks?.value as MapNode | undefined;
  const variables = resolveVariables(variableMap, runtime, issues);
  const failedVariables = new Set([...(variableMap?.entries.keys() ?? [])].filter((name) => !variables.has(name)));

  const unresolved = new WeakSet<ConfigNode>();
  await interpolate(root, { variables, failedVariables, env, cwd }, issues, unresolved);
  const validated = new Validator(issues, unresolved, options.apps).validateRoot(root);
  issues.throwIfAny();

  return {
    variable: Object.fromEntries(variables),
    kernel: validated.kernel,
    app: validated.app,
    process: validated.process,
    job: validated.job,
    logger: validated.logger,
    ...(validated.gateway === undefined ? {} : { gateway: validated.gateway }),
  } as JaffleConfig;
}
