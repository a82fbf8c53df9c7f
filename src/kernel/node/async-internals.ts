/**
 * Every cell runs inside an AsyncLocalStorage (request-origin.ts), and Node then tags the
 * promises and timers the cell creates with symbol-keyed, enumerable properties:
 * the storage itself (`kResourceStore`, holding the request's header) and, on promises,
 * async hook ids. `util.inspect` would print them (`Promise { 5, [Symbol(kResourceStore)]:
 * { msg_id: ... } }`). They are implementation details of the kernel, so before a value is
 * shown they are made non-enumerable (their values stay, Node reads them by key), and the
 * value prints as in Node's REPL: `Promise { 5 }`.
 */
const INTERNAL_SYMBOLS = new Set(["kResourceStore", "async_id_symbol", "trigger_async_id_symbol"]);

/** How far into a value to look: as deep as the kernel's `util.inspect` shows, and no more objects than this. */
const MAX_DEPTH = 5;
const MAX_OBJECTS = 10_000;
/** util.inspect's maxArrayLength in rich-output.ts: elements past it are not shown. */
const MAX_ELEMENTS = 100;

export function hideAsyncInternals(value: unknown): void {
  const seen = new Set<object>();
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== "object" || depth > MAX_DEPTH) return;
    if (seen.has(node) || seen.size >= MAX_OBJECTS) return;
    seen.add(node);
    for (const symbol of Object.getOwnPropertySymbols(node)) {
      if (!INTERNAL_SYMBOLS.has(symbol.description ?? "")) continue;
      const descriptor = Object.getOwnPropertyDescriptor(node, symbol);
      if (descriptor?.enumerable && descriptor.configurable) {
        Object.defineProperty(node, symbol, { ...descriptor, enumerable: false });
      }
    }
    if (node instanceof Map) {
      for (const [key, entry] of node) {
        visit(key, depth + 1);
        visit(entry, depth + 1);
      }
    } else if (node instanceof Set) {
      for (const entry of node) visit(entry, depth + 1);
    }
    if (ArrayBuffer.isView(node)) return;
    // Own data properties only: getters are not called (reading one could run code).
    const visitProperty = (key: string) => {
      const descriptor = Object.getOwnPropertyDescriptor(node, key);
      if (descriptor && "value" in descriptor) visit(descriptor.value, depth + 1);
    };
    if (Array.isArray(node)) {
      for (let i = 0; i < Math.min(node.length, MAX_ELEMENTS); i++) visitProperty(String(i));
      return;
    }
    for (const key of Object.keys(node)) visitProperty(key);
  };
  visit(value, 0);
}
