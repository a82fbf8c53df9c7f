/**
 * The small, safe expression language of `${...}` in configuration strings: a lexer, a
 * parser and an evaluator, with no `eval` and no `Function`. In Jaffle these were Python
 * expressions rendered by Mako; this language covers what Jaffle's configurations use:
 *
 *   ${var.name}            a variable (also var('name', default))
 *   ${HOME}                an environment variable (upper-case names)
 *   ${'text'} ${"text"} ${42} ${true}
 *   ${env('NAME', 'default')} ${exec('hostname')} ${fg('red')} ${bg('blue')} ${reset()}
 *   ${jq_all('.[]', data)} ${jq('.a', data)} ${jq_first('.a', data)} ${jqf('.a', data)}
 *   ${expr | u} ${expr | trim, h}   filters, applied left to right
 *
 * A template is a string with any number of `${...}`; `$${` is a literal `${`.
 */
import { JaffleError } from "../errors.js";

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export type Expr =
  | { type: "literal"; value: string | number | boolean | null; offset: number }
  | { type: "variable"; name: string; offset: number }
  | { type: "env"; name: string; offset: number }
  | { type: "call"; name: string; args: Expr[]; offset: number };

export interface Pipeline {
  expr: Expr;
  filters: { name: string; offset: number }[];
  /** The expression's source, for messages. */
  source: string;
}

export type TemplatePart = { type: "text"; text: string } | { type: "expr"; pipeline: Pipeline; offset: number };

export interface Template {
  parts: TemplatePart[];
  /** True when the string is one `${...}` without filters: its value keeps its type. */
  single: boolean;
}

export class ExpressionError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

// ---------------------------------------------------------------- lexer

type Tok =
  | { kind: "ident"; text: string; offset: number }
  | { kind: "number"; value: number; offset: number }
  | { kind: "string"; value: string; offset: number }
  | { kind: "punct"; text: string; offset: number }
  | { kind: "end"; offset: number };

function lex(source: string): Tok[] {
  const tokens: Tok[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_]/.test(source.charAt(j))) j++;
      tokens.push({ kind: "ident", text: source.slice(i, j), offset: i });
      i = j;
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(source[i + 1] ?? ""))) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ kind: "number", value: Number(match[0]), offset: i });
      i += match[0].length;
    } else if (c === "'" || c === '"') {
      const { value, end } = lexString(source, i);
      tokens.push({ kind: "string", value, offset: i });
      i = end;
    } else if ("(),.|".includes(c)) {
      tokens.push({ kind: "punct", text: c, offset: i });
      i++;
    } else {
      throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: "end", offset: source.length });
  return tokens;
}

/**
 * A quoted string: `\\`, `\'`, `\"`, `\n`, `\t` are escapes; any other backslash stays,
 * so `'\1'` in a replace rule's template still names the match's group 1.
 */
function lexString(source: string, start: number): { value: string; end: number } {
  const quote = source.charAt(start);
  let value = "";
  for (let i = start + 1; i < source.length; i++) {
    const c = source.charAt(i);
    if (c === quote) return { value, end: i + 1 };
    if (c === "\\" && i + 1 < source.length) {
      const next = source.charAt(++i);
      if (next === "\\" || next === "'" || next === '"') value += next;
      else if (next === "n") value += "\n";
      else if (next === "t") value += "\t";
      else value += "\\" + next;
      continue;
    }
    value += c;
  }
  throw new ExpressionError("unterminated string");
}

// ---------------------------------------------------------------- parser

function describeTok(tok: Tok): string {
  switch (tok.kind) {
    case "end":
      return "the end of the expression";
    case "ident":
    case "punct":
      return JSON.stringify(tok.text);
    case "number":
      return String(tok.value);
    case "string":
      return "a string";
  }
}

/**
 * How deep parentheses and calls may nest in one expression. Parsing and evaluation
 * recurse, so the limit turns an expression nested thousands of levels deep into a
 * located error instead of a stack overflow.
 */
export const MAX_EXPRESSION_DEPTH = 100;

/** An expression's source in a message: long ones are cut, so the message stays readable. */
function excerpt(source: string): string {
  return source.length <= 60 ? source : `${source.slice(0, 57)}...`;
}

export function parsePipeline(source: string): Pipeline {
  const tokens = lex(source);
  let i = 0;
  // Past the last token, every read sees the end of the source.
  const endOfSource: Tok = { kind: "end", offset: source.length };
  const peek = () => tokens[i] ?? endOfSource;
  const next = () => tokens[i++] ?? endOfSource;
  const expectPunct = (text: string) => {
    const tok = next();
    if (tok.kind !== "punct" || tok.text !== text)
      throw new ExpressionError(`expected "${text}", found ${describeTok(tok)}`);
  };

  const parseExpr = (depth: number): Expr => {
    const tok = next();
    if (depth > MAX_EXPRESSION_DEPTH) throw new ExpressionError(`nested more than ${MAX_EXPRESSION_DEPTH} levels deep`);
    switch (tok.kind) {
      case "number":
        return { type: "literal", value: tok.value, offset: tok.offset };
      case "string":
        return { type: "literal", value: tok.value, offset: tok.offset };
      case "punct":
        if (tok.text === "(") {
          const inner = parseExpr(depth + 1);
          expectPunct(")");
          return inner;
        }
        throw new ExpressionError(`expected a value, found ${describeTok(tok)}`);
      case "end":
        throw new ExpressionError("empty expression");
      case "ident":
        break;
    }
    const name = tok.text;
    if (name === "true" || name === "True") return { type: "literal", value: true, offset: tok.offset };
    if (name === "false" || name === "False") return { type: "literal", value: false, offset: tok.offset };
    if (name === "null" || name === "None") return { type: "literal", value: null, offset: tok.offset };
    const after = peek();
    if (name === "var" && after.kind === "punct" && after.text === ".") {
      next();
      const field = next();
      if (field.kind !== "ident")
        throw new ExpressionError(`expected a variable name after "var.", found ${describeTok(field)}`);
      return { type: "variable", name: field.text, offset: tok.offset };
    }
    if (after.kind === "punct" && after.text === "(") {
      next();
      const args: Expr[] = [];
      if (!(peek().kind === "punct" && (peek() as { text: string }).text === ")")) {
        for (;;) {
          args.push(parseExpr(depth + 1));
          const sep = peek();
          if (sep.kind === "punct" && sep.text === ",") {
            next();
            continue;
          }
          break;
        }
      }
      expectPunct(")");
      return { type: "call", name, args, offset: tok.offset };
    }
    if (/^[A-Z_][A-Z0-9_]*$/.test(name)) return { type: "env", name, offset: tok.offset };
    throw new ExpressionError(
      `unknown name ${JSON.stringify(name)} (use var.${name} for a variable, or an upper-case environment variable name)`,
    );
  };

  const expr = parseExpr(1);
  const filters: { name: string; offset: number }[] = [];
  const sep = peek();
  if (sep.kind === "punct" && sep.text === "|") {
    next();
    for (;;) {
      const filter = next();
      if (filter.kind !== "ident")
        throw new ExpressionError(`expected a filter name after "|", found ${describeTok(filter)}`);
      filters.push({ name: filter.text, offset: filter.offset });
      const comma = peek();
      if (comma.kind === "punct" && comma.text === ",") {
        next();
        continue;
      }
      break;
    }
  }
  const end = peek();
  if (end.kind !== "end") throw new ExpressionError(`unexpected ${describeTok(end)}`);
  return { expr, filters, source: source.trim() };
}

// ---------------------------------------------------------------- templates

/** Offsets of `${` ... `}` in a string, with quotes inside the expression skipped. */
function findExpressionEnd(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'" || c === '"') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
      if (i >= text.length) break;
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new ExpressionError("unterminated ${");
}

export function hasInterpolation(text: string): boolean {
  return text.includes("${");
}

/** Parses a string into text and expressions. Throws ExpressionError naming the offending expression. */
export function parseTemplate(text: string): Template {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.startsWith("${", i)) {
      const end = findExpressionEnd(text, i + 2);
      const source = text.slice(i + 2, end);
      let pipeline: Pipeline;
      try {
        pipeline = parsePipeline(source);
      } catch (error) {
        if (error instanceof ExpressionError) throw new ExpressionError(`in \${${excerpt(source)}}: ${error.message}`);
        throw error;
      }
      if (literal) parts.push({ type: "text", text: literal });
      literal = "";
      parts.push({ type: "expr", pipeline, offset: i });
      i = end + 1;
      continue;
    }
    literal += text[i];
    i++;
  }
  if (literal) parts.push({ type: "text", text: literal });
  const [only, another] = parts;
  return { parts, single: another === undefined && only?.type === "expr" && only.pipeline.filters.length === 0 };
}

/** Walks every call in a template (to learn whether jq is needed before evaluating). */
export function templateCalls(template: Template): string[] {
  const names: string[] = [];
  const visit = (expr: Expr) => {
    if (expr.type === "call") {
      names.push(expr.name);
      expr.args.forEach(visit);
    }
  };
  for (const part of template.parts) if (part.type === "expr") visit(part.pipeline.expr);
  return names;
}

// ---------------------------------------------------------------- evaluation

export interface EvalContext {
  /** A variable's value; throws ExpressionError when it is not defined. */
  variable(name: string): Value;
  /** `var('name', default)`: the value, or undefined when the variable is not defined. */
  optionalVariable(name: string): Value | undefined;
  env: NodeJS.ProcessEnv;
  /** The functions callable by name (see functions.ts). */
  functions: Record<string, (args: Value[]) => Value>;
  filters: Record<string, (text: string) => string>;
  /** Applied to every string argument of a function (replace rules expand `\1` here). */
  mapStringArgument?: (text: string) => string;
}

export function stringify(value: Value): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function evaluateExpr(expr: Expr, context: EvalContext): Value {
  switch (expr.type) {
    case "literal":
      return expr.value;
    case "variable":
      return context.variable(expr.name);
    case "env": {
      const value = context.env[expr.name];
      if (value === undefined)
        throw new ExpressionError(
          `environment variable ${expr.name} is not set (use env('${expr.name}', 'default') for a default)`,
        );
      return value;
    }
    case "call": {
      const args = expr.args.map((arg) => {
        const value = evaluateExpr(arg, context);
        return typeof value === "string" && context.mapStringArgument ? context.mapStringArgument(value) : value;
      });
      if (expr.name === "var") {
        if (args.length < 1 || args.length > 2 || typeof args[0] !== "string")
          throw new ExpressionError("var() takes a variable name and an optional default");
        return context.optionalVariable(args[0]) ?? args[1] ?? null;
      }
      const fn = context.functions[expr.name];
      if (!fn) throw new ExpressionError(`unknown function ${expr.name}()`);
      return fn(args);
    }
  }
}

export function evaluatePipeline(pipeline: Pipeline, context: EvalContext): Value {
  const value = evaluateExpr(pipeline.expr, context);
  if (pipeline.filters.length === 0) return value;
  let text = stringify(value);
  for (const filter of pipeline.filters) {
    const fn = context.filters[filter.name];
    if (!fn)
      throw new ExpressionError(
        `unknown filter ${JSON.stringify(filter.name)} (filters: ${Object.keys(context.filters).join(", ")})`,
      );
    text = fn(text);
  }
  return text;
}

/** Renders a template: the typed value of a lone `${...}`, otherwise a string. */
export function renderTemplate(template: Template, context: EvalContext): Value {
  if (template.single) {
    const part = template.parts[0] as Extract<TemplatePart, { type: "expr" }>;
    return wrap(part.pipeline, () => evaluatePipeline(part.pipeline, context));
  }
  let out = "";
  for (const part of template.parts) {
    out +=
      part.type === "text" ? part.text : stringify(wrap(part.pipeline, () => evaluatePipeline(part.pipeline, context)));
  }
  return out;
}

function wrap(pipeline: Pipeline, run: () => Value): Value {
  try {
    return run();
  } catch (error) {
    if (error instanceof ExpressionError)
      throw new ExpressionError(`in \${${excerpt(pipeline.source)}}: ${error.message}`);
    throw error;
  }
}
