/** The Python kernel's dialect (see index.ts). */
import { pythonLiteral } from "../kernel-literal.js";
import type { KernelDialect, KernelRuntime } from "./index.js";
import { sourceFile } from "./kernel-files.js";

/**
 * The expression `jaffle_kernel`: the helpers module, loaded from its file on first use
 * and kept in sys.modules. One expression, so every call stays one line and leaves no
 * name behind in the user's namespace.
 */
function helpers(): string {
  const path = pythonLiteral(sourceFile("apps/dialect/jaffle_kernel.py"));
  return `(__import__("sys").modules.get("jaffle_kernel") or (lambda u: (lambda s: (lambda m: (__import__("sys").modules.__setitem__("jaffle_kernel", m), s.loader.exec_module(m), m)[2])(u.module_from_spec(s)))(u.spec_from_file_location("jaffle_kernel", ${path})))(__import__("importlib.util").util))`;
}

function dottedClass(className: string): string {
  const dot = className.lastIndexOf(".");
  if (dot <= 0 || dot === className.length - 1 || !/^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$/.test(className))
    throw new Error(`class "${className}": expected a dotted path module.ClassName`);
  return className;
}

export const pythonDialect: KernelDialect = {
  family: "python",
  literal: pythonLiteral,
  clearModuleCache: (names) => `${helpers()}.clear_module_cache(${pythonLiteral(names)})`,
  createApp: (className, handleName, conf) =>
    `${handleName} = ${helpers()}.create_app(${pythonLiteral(dottedClass(className))}, ${pythonLiteral(conf)})`,
  callHandle: (handleName, method, args = []) => `${handleName}.${method}(${args.map(pythonLiteral).join(", ")})`,
  printHandleResult: (handleName, method, args = []) =>
    `print(__import__("json").dumps(${handleName}.${method}(${args.map(pythonLiteral).join(", ")})))`,
  describeLastError: (projectDir, ename, evalue) =>
    `${helpers()}.describe_last_error(${pythonLiteral(projectDir)}, ${pythonLiteral(ename)}, ${pythonLiteral(evalue)})`,
  loadRuntime: (runtime: KernelRuntime, handleName, options) =>
    `${handleName} = ${helpers()}.load_module(${pythonLiteral(runtime.python.module)}, ${pythonLiteral(sourceFile(runtime.python.file))}).${runtime.factory.python}(${pythonLiteral(options)})`,
};
