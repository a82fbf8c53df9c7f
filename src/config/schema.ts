/**
 * The schema of jaffle.hcl: every block, every option, its type and its default. The
 * validator (validate.ts) walks a configuration against these descriptions; the resolved
 * configuration always holds every field of types.ts, defaults filled in.
 */
import { LEVELS } from "../shared/levels.js";

export type Schema =
  | {
      kind: "string";
      enum?: readonly string[];
      /** compiled as a regular expression */ regex?: boolean;
      /** http(s) URL */ url?: boolean;
      /** a command line (command.ts): not empty, quotes balanced */ command?: boolean;
      caseInsensitive?: boolean;
    }
  | { kind: "bool" }
  | { kind: "number"; integer?: boolean; min?: number; max?: number }
  | { kind: "list"; items: Schema }
  /** Environment maps: string values; numbers and booleans are written as text. */
  | { kind: "env" }
  /** Any JSON value (options of apps whose schema we do not know). */
  | { kind: "any" }
  | ObjectSchema
  /** Blocks keyed by label: `app "web" {...}`. */
  | { kind: "labelled"; body: ObjectSchema }
  /** A `replace_regex` rule's `to`: a template with Python replacement syntax, kept unrendered. */
  | { kind: "replacement" }
  /** An app's `options`, whose schema depends on the app's class. */
  | { kind: "appOptions" };

export interface Field {
  schema: Schema;
  required?: boolean;
  /** Filled in when the option is absent (a function, so each config gets its own copy). */
  default?: () => unknown;
  /** Other names accepted for this option (Jaffle's documentation used several). */
  aliases?: readonly string[];
  /** What the option names, for dangling-reference checks. */
  references?: "kernel" | "job" | "app";
}

export interface ObjectSchema {
  kind: "object";
  fields: Record<string, Field>;
}

const str = (extra: Omit<Extract<Schema, { kind: "string" }>, "kind"> = {}): Schema => ({ kind: "string", ...extra });
const bool: Schema = { kind: "bool" };
const list = (items: Schema): Schema => ({ kind: "list", items });
const strings = list(str());
const object = (fields: Record<string, Field>): ObjectSchema => ({ kind: "object", fields });
const emptyList = () => [];
const emptyMap = () => ({});

export const loggerSchema = object({
  level: { schema: str({ enum: LEVELS, caseInsensitive: true }) },
  suppress_regex: { schema: list(str({ regex: true })), default: emptyList },
  replace_regex: {
    schema: list(
      object({
        from: { schema: str({ regex: true }), required: true },
        to: { schema: { kind: "replacement" }, required: true },
      }),
    ),
    default: emptyList,
  },
  name: { schema: str() },
});

const defaultLogger = () => ({ suppress_regex: [], replace_regex: [] });

/** The root block also bounds the log output's backlog (see src/log/batched-writer.ts). */
export const rootLoggerSchema = object({
  ...loggerSchema.fields,
  backlog_bytes: { schema: { kind: "number", integer: true, min: 65536 } },
});

export const readySchema = object({
  url: { schema: str({ url: true }) },
  status: { schema: list({ kind: "number", integer: true, min: 100, max: 599 }) },
  port: { schema: { kind: "number", integer: true, min: 1, max: 65535 } },
  log_regex: { schema: str({ regex: true }) },
  timeout: { schema: { kind: "number", min: 0 } },
});

/** gateway (issue 15): a Jupyter Server or gateway that runs the kernel; see src/kernel/gateway/. */
export const gatewaySchema = object({
  url: { schema: str({ url: true }) },
  token: { schema: str() },
  path: { schema: str() },
  env: { schema: { kind: "env" } },
});

export const kernelSchema = object({
  kernel_name: { schema: str() },
  pass_env: { schema: strings, default: emptyList },
  env: { schema: { kind: "env" }, default: emptyMap },
  gateway: { schema: gatewaySchema },
});

export const appSchema = object({
  class: { schema: str(), required: true },
  kernel: { schema: str(), required: true, references: "kernel" },
  start: { schema: str() },
  logger: { schema: loggerSchema, default: defaultLogger },
  options: { schema: { kind: "appOptions" }, default: emptyMap },
  disabled: { schema: bool, default: () => false },
  ready: { schema: readySchema },
  /** Apps and processes that must be ready before this one starts (checked by dependencies.ts). */
  depends_on: { schema: strings, default: emptyList },
});

export const RESTART_POLICIES = ["never", "on-failure", "always"] as const;

export const processSchema = object({
  command: { schema: str({ command: true }), required: true },
  tty: { schema: bool, default: () => false },
  env: { schema: { kind: "env" }, default: emptyMap },
  cwd: { schema: str() },
  logger: { schema: loggerSchema, default: defaultLogger },
  disabled: { schema: bool, default: () => false },
  restart: { schema: str({ enum: RESTART_POLICIES }), default: () => "never" },
  max_restarts: { schema: { kind: "number", integer: true, min: 0 }, default: () => 5 },
  restart_window: { schema: { kind: "number", min: 0 }, default: () => 10 },
  stop_timeout: { schema: { kind: "number", min: 0 }, default: () => 5 },
  ready: { schema: readySchema },
  depends_on: { schema: strings, default: emptyList },
  keep_blank_lines: { schema: bool, default: () => false },
});

export const jobSchema = object({
  command: { schema: str({ command: true }), required: true },
  env: { schema: { kind: "env" }, default: emptyMap },
  cwd: { schema: str() },
  tty: { schema: bool, default: () => false },
  logger: { schema: loggerSchema, default: defaultLogger },
  keep_blank_lines: { schema: bool, default: () => false },
});

/** The top level; `variable` blocks are checked and resolved by variables.ts. */
export const rootSchema = object({
  variable: { schema: { kind: "any" }, default: emptyMap },
  kernel: { schema: { kind: "labelled", body: kernelSchema }, default: emptyMap },
  app: { schema: { kind: "labelled", body: appSchema }, default: emptyMap },
  process: { schema: { kind: "labelled", body: processSchema }, default: emptyMap },
  job: { schema: { kind: "labelled", body: jobSchema }, default: emptyMap },
  logger: { schema: rootLoggerSchema, default: defaultLogger },
  gateway: { schema: gatewaySchema },
});

/**
 * The schema of the option at `path` (keys, labels and list indices from the top), or
 * undefined where the schema does not say (unknown keys, an app's options). Lets a pass
 * over raw nodes (interpolation) ask the schema instead of guessing from the path.
 */
export function schemaAt(path: readonly string[], schema: Schema = rootSchema): Schema | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return schema;
  switch (schema.kind) {
    case "object": {
      const field = schema.fields[head] ?? Object.values(schema.fields).find((f) => f.aliases?.includes(head) ?? false);
      return field ? schemaAt(rest, field.schema) : undefined;
    }
    case "labelled":
      return schemaAt(rest, schema.body);
    case "list":
      return /^\d+$/.test(head) ? schemaAt(rest, schema.items) : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- apps' options

/**
 * What the configuration layer knows about app classes: the options schema of each app
 * that describes itself (the built-ins, see src/apps/catalog.ts). The loader is given a
 * catalog; classes it does not know keep their options as written.
 */
export interface AppCatalog {
  optionsSchema(className: string): ObjectSchema | undefined;
}

/** The schema builders, for app descriptors. */
export const schemaParts = { str, bool, list, strings, object, emptyList, emptyMap } as const;
