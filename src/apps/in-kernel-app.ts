/**
 * A Jaffle app written in the kernel's own language (`class =
 * "jupyter_myext._devel.NBExtensionInstaller"`, or `"./apps/x.mjs#X"` in the Node
 * kernel): `setup()` imports the class in the kernel and creates it under the app's
 * name with its configuration as the argument, as Jaffle did
 * (`from mod import Cls; NAME = Cls({...})`); watchdog events are delivered with
 * `NAME.handle_watchdog_event(event)` in that kernel.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AppConstructor, AppContext, JaffleApp, WatchdogEvent } from "./api.js";
import { kernelLiteral, languageFamily } from "./kernel-literal.js";

function checkIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(
      `app "${name}": an in-kernel app's name must be an identifier, since code in the kernel refers to it`,
    );
  return name;
}

/** The configuration handed to the class: Jaffle's app_conf_data, JSON-shaped. */
function appConfData(context: AppContext): Record<string, unknown> {
  return {
    app_name: context.name,
    name: context.name,
    class: context.config.class,
    kernel: context.kernel.name,
    options: context.options,
    logger: context.config.logger,
    project_dir: context.projectDir,
  };
}

export function pythonCreateCode(className: string, name: string, conf: Record<string, unknown>): string {
  const dot = className.lastIndexOf(".");
  if (dot <= 0 || dot === className.length - 1)
    throw new Error(`class "${className}": expected a dotted path module.ClassName`);
  const module = className.slice(0, dot);
  const cls = className.slice(dot + 1);
  if (!/^[A-Za-z_][\w.]*$/.test(module) || !/^[A-Za-z_]\w*$/.test(cls))
    throw new Error(`class "${className}": not a Python dotted path`);
  return `from ${module} import ${cls} as __jaffle_app_class\n${name} = __jaffle_app_class(${kernelLiteral(conf, "python")})\ndel __jaffle_app_class`;
}

export function javascriptCreateCode(
  className: string,
  name: string,
  conf: Record<string, unknown>,
  projectDir: string,
): string {
  const hash = className.lastIndexOf("#");
  const modulePart = hash >= 0 ? className.slice(0, hash) : className;
  const exportName = hash >= 0 ? className.slice(hash + 1) : "default";
  // Relative paths are the project's files; anything else is a package name.
  const specifier =
    modulePart.startsWith(".") || isAbsolute(modulePart)
      ? pathToFileURL(resolve(projectDir, modulePart)).href
      : modulePart;
  return `globalThis[${JSON.stringify(name)}] = new ((await import(${JSON.stringify(specifier)}))[${JSON.stringify(exportName)}])(${JSON.stringify(conf)});\nundefined;`;
}

export function inKernelAppClass(className: string): AppConstructor {
  return class InKernelApp implements JaffleApp {
    private readonly name: string;
    constructor(private readonly context: AppContext) {
      this.name = checkIdentifier(context.name);
      languageFamily(context.kernel.language);
    }

    async setup(): Promise<void> {
      const { kernel, projectDir } = this.context;
      const conf = appConfData(this.context);
      const code =
        languageFamily(kernel.language) === "python"
          ? pythonCreateCode(className, this.name, conf)
          : javascriptCreateCode(className, this.name, conf, projectDir);
      const outcome = await kernel.execute(code);
      if (outcome.status === "error")
        throw new Error(`creating ${className} in kernel ${kernel.name} failed: ${outcome.ename}: ${outcome.evalue}`);
      if (outcome.status === "aborted") throw new Error(`creating ${className} in kernel ${kernel.name} was aborted`);
    }

    async handleWatchdogEvent(event: WatchdogEvent): Promise<void> {
      const { kernel } = this.context;
      const call = `${this.name}.handle_watchdog_event(${kernelLiteral(event, kernel.language)})`;
      const outcome = await kernel.execute(languageFamily(kernel.language) === "python" ? call : `await ${call};`);
      if (outcome.status === "error") throw new Error(`${outcome.ename}: ${outcome.evalue}`);
    }
  };
}
