/**
 * What the kernel needs to run, complete and inspect code: everything that parses
 * JavaScript (acorn) or runs it. node-kernel.ts loads this module once its sockets are
 * bound rather than before, so kernel_info is answered without waiting for it (about a
 * third of the kernel's own start-up).
 */
export { CellExecutor } from "./cell-executor.js";
export { checkCompleteness } from "./completeness.js";
export { complete } from "./completion.js";
export { reportError } from "./error-report.js";
export { inspectAt } from "./inspection.js";
export { pagePayload, parseHelpRequest } from "./pager.js";
