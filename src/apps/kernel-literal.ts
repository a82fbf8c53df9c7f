/**
 * Writing JSON-shaped values as source code of a kernel's language, so events and app
 * configurations can be spliced into code run in that kernel (`{event}` in a code block,
 * the options of an in-kernel app). Only data: strings, numbers, booleans, null, lists
 * and string-keyed objects.
 */

export type KernelLanguageFamily = "python" | "javascript";

/** "python", "javascript", "typescript", "node" ... mapped to the literal syntax to write. */
export function languageFamily(language: string): KernelLanguageFamily {
  const lower = language.toLowerCase();
  if (lower.startsWith("python")) return "python";
  if (["javascript", "typescript", "js", "ts", "node", "nodejs"].includes(lower)) return "javascript";
  throw new Error(`kernel language "${language}" is not supported here (python or javascript kernels only)`);
}

export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "float('nan')";
    if (!Number.isFinite(value)) return value > 0 ? "float('inf')" : "-float('inf')";
    return String(value);
  }
  // A JSON string literal is a valid Python str literal (same escapes, \uXXXX included).
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`,
    );
    return `{${items.join(", ")}}`;
  }
  throw new Error(`cannot write a ${typeof value} as a Python literal`);
}

export function javascriptLiteral(value: unknown): string {
  // JSON is an expression in JavaScript; wrap in parens so `{...}` is never read as a block.
  return `(${JSON.stringify(value ?? null)})`;
}
