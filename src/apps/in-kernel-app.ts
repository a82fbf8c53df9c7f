/**
 * A Jaffle app written in the kernel's own language (`class =
 * "jupyter_myext._devel.NBExtensionInstaller"`, or `"./apps/x.mjs#X"` in the Node
 * kernel): `setup()` imports the class in the kernel and creates it under the app's
 * name with its configuration as the argument, as Jaffle did
 * (`from mod import Cls; NAME = Cls({...})`); watchdog events are delivered with
 * `NAME.handle_watchdog_event(event)` in that kernel.
 */
import type { AppConstructor, AppContext, JaffleApp, WatchdogEvent } from "./api.js";
import { checkHandleName, dialectFor, type KernelDialect } from "./dialect/index.js";

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

export function inKernelAppClass(className: string): AppConstructor {
  return class InKernelApp implements JaffleApp {
    private readonly name: string;
    private readonly dialect: KernelDialect;
    constructor(private readonly context: AppContext) {
      this.name = checkHandleName(context.name, "an in-kernel app");
      this.dialect = dialectFor(context.kernel.language);
    }

    async setup(): Promise<void> {
      const { kernel, projectDir } = this.context;
      const code = this.dialect.createApp(className, this.name, appConfData(this.context), projectDir);
      const outcome = await kernel.execute(code);
      if (outcome.status === "error")
        throw new Error(`creating ${className} in kernel ${kernel.name} failed: ${outcome.ename}: ${outcome.evalue}`);
      if (outcome.status === "aborted") throw new Error(`creating ${className} in kernel ${kernel.name} was aborted`);
    }

    async handleWatchdogEvent(event: WatchdogEvent): Promise<void> {
      const outcome = await this.context.kernel.execute(
        this.dialect.callHandle(this.name, "handle_watchdog_event", [event]),
      );
      if (outcome.status === "error") throw new Error(`${outcome.ename}: ${outcome.evalue}`);
    }
  };
}
