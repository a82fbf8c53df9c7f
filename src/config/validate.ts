/**
 * Checks a merged, interpolated configuration against the schema (schema.ts) and builds
 * the resolved configuration with every default filled in. Every problem is reported
 * with its position (unknown keys, wrong types, missing options, bad regular expressions,
 * names of kernels, jobs or apps that no block defines), not just the first one.
 */
import { JaffleError } from "../errors.js";
import type { SourcePosition } from "./errors.js";
import { type ConfigNode, describeNode, type MapNode } from "./nodes.js";
import { IssueList } from "./errors.js";
import { type AppCatalog, type Field, type ObjectSchema, rootSchema, type Schema } from "./schema.js";
import { nodeFromValue } from "./nodes.js";
import { checkReplacementTemplate, compileRegex } from "../expression/replace.js";
import { CommandSyntaxError, commandArgv } from "./command.js";
import { checkDependencies } from "./dependencies.js";

interface PendingReference {
  kind: "kernel" | "job" | "app";
  name: string;
  pos: SourcePosition;
  where: string;
}

/** An http(s) URL that `fetch` can request (parsable, with a host). */
function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/[^\s/]+/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export class Validator {
  private readonly references: PendingReference[] = [];

  constructor(
    private readonly issues: IssueList,
    /** Nodes whose interpolation already failed: their type is not worth a second error. */
    private readonly unresolved: WeakSet<ConfigNode>,
    /** The options schemas of the app classes that describe themselves. */
    private readonly apps: AppCatalog | undefined,
  ) {}

  /** Validates the whole configuration (without its `variable` blocks, resolved elsewhere). */
  validateRoot(root: MapNode): Record<string, unknown> {
    const result = this.validateObject(root, rootSchema, ROOT_WHERE, "top-level block") as Record<string, unknown>;
    this.checkReferences(result);
    if (result) checkDependencies(root, result, this.issues);
    return result;
  }

  private error(at: SourcePosition, message: string): void {
    this.issues.add(at, message);
  }

  private validate(node: ConfigNode, schema: Schema, where: string): unknown {
    switch (schema.kind) {
      case "any":
        return plain(node);
      case "string": {
        const value = this.scalar(node, "string", where);
        if (typeof value !== "string") return undefined;
        if (schema.enum) {
          const wanted = schema.caseInsensitive ? value.toLowerCase() : value;
          if (!schema.enum.includes(wanted)) {
            this.error(node.pos, `${where}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
            return undefined;
          }
          return wanted;
        }
        if (schema.regex) {
          try {
            compileRegex(value);
          } catch (error) {
            const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
            this.error(node.pos, `${where}: invalid regular expression ${JSON.stringify(value)}: ${reason}`);
            return undefined;
          }
        }
        if (schema.command) {
          try {
            commandArgv(value);
          } catch (error) {
            if (!(error instanceof CommandSyntaxError)) throw error;
            this.error(node.pos, `${where}: ${error.message}`);
            return undefined;
          }
        }
        if (schema.url && !isHttpUrl(value)) {
          this.error(node.pos, `${where}: ${JSON.stringify(value)} is not an http(s) URL`);
          return undefined;
        }
        return value;
      }
      case "replacement": {
        const value = this.scalar(node, "string", where);
        if (typeof value !== "string") return undefined;
        const problem = checkReplacementTemplate(value);
        if (problem) this.error(node.pos, `${where}: ${problem}`);
        return value;
      }
      case "bool": {
        const value = this.scalar(node, "boolean", where);
        return typeof value === "boolean" ? value : undefined;
      }
      case "number": {
        const value = this.scalar(node, "number", where);
        if (typeof value !== "number") return undefined;
        if (schema.integer && !Number.isInteger(value)) {
          this.error(node.pos, `${where}: expected a whole number, found ${value}`);
          return undefined;
        }
        if ((schema.min !== undefined && value < schema.min) || (schema.max !== undefined && value > schema.max)) {
          const range = schema.max !== undefined ? `between ${schema.min} and ${schema.max}` : `at least ${schema.min}`;
          this.error(node.pos, `${where}: ${value} is out of range (must be ${range})`);
          return undefined;
        }
        return value;
      }
      case "list": {
        if (node.kind !== "list") {
          this.typeError(node, "a list", where);
          return undefined;
        }
        return node.items
          .map((item, index) => this.validate(item, schema.items, `${where}[${index}]`))
          .filter((item) => item !== undefined);
      }
      case "env": {
        if (node.kind !== "map") {
          this.typeError(node, "a block or object of NAME = value", where);
          return undefined;
        }
        const env: Record<string, string> = {};
        for (const [key, entry] of node.entries) {
          const value = entry.value;
          if (
            value.kind === "scalar" &&
            (typeof value.value === "string" || typeof value.value === "number" || typeof value.value === "boolean")
          ) {
            env[key] = String(value.value);
          } else if (!this.unresolved.has(value)) {
            this.error(value.pos, `${where}.${key}: expected a string, found ${describeNode(value)}`);
          }
        }
        return env;
      }
      case "object":
        return this.validateObject(node, schema, where, "option");
      case "labelled": {
        if (node.kind !== "map") {
          this.typeError(node, "blocks with a label", where);
          return undefined;
        }
        const out: Record<string, unknown> = {};
        for (const [label, entry] of node.entries) {
          const value = this.validateObject(entry.value, schema.body, `${where} "${label}"`, "option");
          if (value !== undefined) out[label] = value;
        }
        return out;
      }
      case "appOptions":
        // Resolved by validateObject, which knows the app's class.
        return plain(node);
    }
  }

  private validateObject(
    node: ConfigNode,
    schema: ObjectSchema,
    where: string,
    keyWord: string,
  ): Record<string, unknown> | undefined {
    if (node.kind !== "map") {
      this.typeError(node, "a block or object", where);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const { byKey: fieldOf, fields } = fieldIndex(schema);
    const seen = new Map<string, string>();
    for (const [key, entry] of node.entries) {
      const found = fieldOf.get(key);
      if (!found) {
        const known = Object.keys(schema.fields).join(", ");
        this.error(entry.keyPos, `unknown ${keyWord} "${key}" in ${where} (known: ${known})`);
        continue;
      }
      const { name, field } = found;
      const previous = seen.get(name);
      if (previous !== undefined) {
        this.error(entry.keyPos, `${where}: "${key}" and "${previous}" are the same option; give only one`);
        continue;
      }
      seen.set(name, key);
      const value =
        field.schema.kind === "appOptions"
          ? this.validateAppOptions(entry.value, node, `${where} options`)
          : this.validate(entry.value, field.schema, optionWhere(where, name));
      if (value !== undefined) {
        out[name] = value;
        if (field.references) this.recordReferences(field, value, entry.value, `${where} ${name}`);
      }
    }
    for (const [name, field] of fields) {
      if (seen.has(name)) continue;
      if (field.required) this.error(node.pos, `${where}: missing required option "${name}"`);
      else if (field.default) out[name] = field.default();
    }
    return out;
  }

  private validateAppOptions(options: ConfigNode, app: MapNode, where: string): unknown {
    const classNode = app.entries.get("class")?.value;
    const className = classNode?.kind === "scalar" ? classNode.value : undefined;
    const schema = typeof className === "string" ? this.apps?.optionsSchema(className.trim()) : undefined;
    if (!schema) {
      if (options.kind !== "map") {
        this.typeError(options, "a block or object", where);
        return undefined;
      }
      return plain(options);
    }
    return this.validateObject(options, schema, where, "option");
  }

  /** Validates a value that did not come from a file (an app's options given in code). */
  validateValue(value: unknown, schema: ObjectSchema, where: string): Record<string, unknown> | undefined {
    return this.validateObject(nodeFromValue(value, { file: where, line: 0, column: 0 }), schema, where, "option");
  }

  private recordReferences(field: Field, value: unknown, node: ConfigNode, where: string): void {
    const kind = field.references!;
    if (typeof value === "string") this.references.push({ kind, name: value, pos: node.pos, where });
    if (Array.isArray(value) && node.kind === "list") {
      value.forEach((name, index) => {
        if (typeof name === "string")
          this.references.push({ kind, name, pos: node.items[index]?.pos ?? node.pos, where });
      });
    }
  }

  private checkReferences(result: Record<string, unknown>): void {
    for (const reference of this.references) {
      const defined = (result[reference.kind] ?? {}) as Record<string, unknown>;
      if (Object.hasOwn(defined, reference.name)) continue;
      const names = Object.keys(defined);
      const known = names.length > 0 ? ` (defined: ${names.join(", ")})` : ` (no ${reference.kind} block is defined)`;
      this.error(reference.pos, `${reference.where}: no ${reference.kind} block is named "${reference.name}"${known}`);
    }
  }

  private scalar(node: ConfigNode, type: "string" | "boolean" | "number", where: string): unknown {
    if (node.kind === "scalar" && typeof node.value === type) return node.value;
    this.typeError(node, type === "string" ? "a string" : type === "boolean" ? "true or false" : "a number", where);
    return undefined;
  }

  private typeError(node: ConfigNode, expected: string, where: string): void {
    if (this.unresolved.has(node)) return;
    this.error(node.pos, `${where}: expected ${expected}, found ${describeNode(node)}`);
  }
}

function plain(node: ConfigNode): unknown {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "list":
      return node.items.map(plain);
    case "map":
      return Object.fromEntries([...node.entries].map(([key, entry]) => [key, plain(entry.value)]));
  }
}

/** Thrown by checkOptions: a one-line message naming the option at fault. */
export class OptionsError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

/**
 * Checks options handed to an app in code (a plugin constructing a built-in app) with the
 * same schema and rules as a configuration file, defaults filled in.
 */
export function checkOptions(value: unknown, schema: ObjectSchema, where: string): Record<string, unknown> {
  const issues = new IssueList();
  const result = new Validator(issues, new WeakSet(), undefined).validateValue(value, schema, where);
  const first = issues.issues[0];
  if (first || !result) throw new OptionsError(first?.message ?? `${where}: expected an object`);
  return result;
}

interface FieldIndex {
  /** The field each key answers to (its name or an alias). */
  byKey: Map<string, { name: string; field: Field }>;
  /** The fields in schema order, for the defaults and required options. */
  fields: [string, Field][];
}

/** Computed once per schema: a large file validates thousands of blocks of each kind. */
const fieldIndexes = new WeakMap<ObjectSchema, FieldIndex>();

function fieldIndex(schema: ObjectSchema): FieldIndex {
  let index = fieldIndexes.get(schema);
  if (index) return index;
  const fields = Object.entries(schema.fields);
  // Its aliases, then its own name (which wins over an alias).
  const byKey = new Map<string, { name: string; field: Field }>();
  for (const [name, field] of fields) for (const alias of field.aliases ?? []) byKey.set(alias, { name, field });
  for (const [name, field] of fields) byKey.set(name, { name, field });
  index = { byKey, fields };
  fieldIndexes.set(schema, index);
  return index;
}

const ROOT_WHERE = "the configuration";

/**
 * How messages name option `name` of `where` (a top-level block is named alone). Built
 * for every option of every block: a test of the joined string (startsWith) would
 * flatten it each time, so the root is recognised by its own name.
 */
function optionWhere(where: string, name: string): string {
  return where === ROOT_WHERE ? name : `${where} ${name}`;
}
