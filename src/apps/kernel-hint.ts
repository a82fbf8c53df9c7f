/**
 * Jaffle's `kernel "py_kernel" {}` meant python3; in jaffle a kernel block without
 * `kernel_name` is the built-in Node kernel. That default stays, but an app that looks
 * like Python bound to such a kernel would only fail later with an obscure error, so
 * `jaffle start` refuses it at once with one line naming the fix.
 * Python-looking: a dotted class of the kernel's language (`my_ext.devel.Installer`), a
 * server bridge whose `app_class` is a dotted name (`my_module.app.ExampleApp`), or the
 * test runner with a `.py` target.
 */
import type { JaffleConfig } from "../config/types.js";
import { builtinDescriptor } from "./catalog.js";
import { serverBridgeDescriptor } from "./server-bridge/descriptor.js";
import { testRunnerDescriptor } from "./test-runner/descriptor.js";

const DOTTED = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;

/** Why the app looks like Python, or undefined. */
function pythonLooking(className: string, options: Record<string, unknown>): string | undefined {
  const descriptor = builtinDescriptor(className);
  if (!descriptor) return DOTTED.test(className.trim()) ? `its class ${className} is a Python dotted path` : undefined;
  if (descriptor === serverBridgeDescriptor) {
    const appClass = options["app_class"];
    return typeof appClass === "string" && DOTTED.test(appClass.trim())
      ? `its app_class ${appClass} is a Python dotted path`
      : undefined;
  }
  if (descriptor === testRunnerDescriptor) {
    const map = (options["auto_test_map"] ?? {}) as Record<string, unknown>;
    const globs = [...((options["auto_test"] ?? []) as unknown[]), ...Object.keys(map), ...Object.values(map)];
    return globs.some((glob) => typeof glob === "string" && glob.endsWith(".py")) ? "it tests .py files" : undefined;
  }
  return undefined;
}

/** One line per Python-looking app bound to a kernel block without kernel_name. */
export function kernelBlockHints(config: JaffleConfig): string[] {
  const hints: string[] = [];
  for (const [name, app] of Object.entries(config.app)) {
    if (app.disabled) continue;
    const kernel = config.kernel[app.kernel];
    if (!kernel || kernel.kernel_name !== undefined) continue;
    const why = pythonLooking(app.class, app.options);
    if (why)
      hints.push(
        `app "${name}" looks like Python (${why}), but kernel "${app.kernel}" has no kernel_name, so it is jaffle's built-in Node kernel; add kernel_name = "python3" to kernel "${app.kernel}"`,
      );
  }
  return hints;
}
