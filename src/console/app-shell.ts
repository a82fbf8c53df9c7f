/**
 * The app shell of `jaffle attach <app>` (Jaffle's app-specific shell), for apps whose
 * handle offers `test(target)` and `collect_test_items()` (the test runner): each line
 * is a target run in the app's kernel with its output streamed; Tab completes collected
 * test ids (test-ids.ts); Ctrl-C interrupts a running test; Ctrl-D leaves. Piped input
 * runs each line; a piped line ending in a Tab prints its completions instead.
 */
import { createInterface } from "node:readline";
import { dialectFor, type KernelDialect } from "../apps/dialect/index.js";
import type { KernelClient } from "../kernel/client.js";
import type { JupyterMessage } from "../kernel/messages.js";
import type { ConsoleIO } from "./session.js";
import { OutputRenderer } from "./render.js";
import { TerminalPrompt } from "./terminal-prompt.js";
import { completeTestId } from "./test-ids.js";

export class AppShell {
  private readonly dialect: KernelDialect;
  private readonly renderer: OutputRenderer;
  private running = false;
  private dead = false;
  private ids: string[] | undefined;

  constructor(
    private readonly client: KernelClient,
    private readonly appName: string,
    private readonly io: ConsoleIO,
    private readonly interactive: boolean,
  ) {
    this.dialect = dialectFor(client.info.language_info.name);
    const color = Boolean(io.output.isTTY && io.output.hasColors?.() && !process.env.NO_COLOR);
    this.renderer = new OutputRenderer(
      { stdout: (text) => void io.output.write(text), stderr: (text) => void io.errorOutput.write(text) },
      { outPrompt: false, color },
    );
    client.once("dead", (reason) => {
      this.dead = true;
      io.errorOutput.write(`\nkernel died: ${reason}\n`);
    });
  }

  private async runCode(code: string, onOutput: (msg: JupyterMessage) => void): Promise<void> {
    this.running = true;
    try {
      await this.client.execute(code, { stopOnError: false, storeHistory: false, onOutput });
    } finally {
      this.running = false;
    }
  }

  /** Runs one target (an empty line: every test) with its output streamed. */
  async test(target: string): Promise<void> {
    const args = target === "" ? [] : [target];
    await this.runCode(this.dialect.callHandle(this.appName, "test", args), (msg) => this.renderer.render(msg));
  }

  /** The collected test ids, fetched once per shell. */
  async testIds(): Promise<string[]> {
    if (this.ids) return this.ids;
    let out = "";
    await this.runCode(this.dialect.printHandleResult(this.appName, "collect_test_items"), (msg) => {
      if (msg.header.msg_type === "stream") out += (msg.content as { text: string }).text;
      else this.renderer.render(msg);
    });
    const parsed: unknown = JSON.parse(out.trim().split("\n").at(-1) || "[]");
    this.ids = Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
    return this.ids;
  }

  async run(): Promise<number> {
    return this.interactive ? this.runInteractive() : this.runPiped();
  }

  private async runInteractive(): Promise<number> {
    const prompt = `${this.appName}> `;
    const terminal = new TerminalPrompt(this.io, {
      completer: async (line) => [completeTestId(line, await this.testIds()), line],
      onInterrupt: () => {
        if (!this.running) return prompt;
        void this.client.interrupt().catch(() => undefined);
        return undefined;
      },
    });
    this.client.once("dead", () => terminal.close());
    this.io.output.write(
      `jaffle attach ${this.appName}: a test id per line, Tab completes, Ctrl-C interrupts, Ctrl-D leaves.\n`,
    );
    try {
      for (let line = await terminal.ask(prompt); line !== undefined && !this.dead; line = await terminal.ask(prompt))
        await this.test(line.trim());
    } finally {
      terminal.close();
    }
    return this.dead ? 1 : 0;
  }

  private async runPiped(): Promise<number> {
    const onSigint = () => {
      if (this.running) void this.client.interrupt().catch(() => undefined);
      else process.exit(130);
    };
    const lines = createInterface({ input: this.io.input, terminal: false, crlfDelay: Infinity });
    process.on("SIGINT", onSigint);
    try {
      for await (const line of lines) {
        if (this.dead) break;
        if (line.endsWith("\t")) {
          for (const id of completeTestId(line.slice(0, -1).trim(), await this.testIds()))
            this.io.output.write(`${id}\n`);
        } else await this.test(line.trim());
      }
    } finally {
      process.off("SIGINT", onSigint);
      lines.close();
    }
    return this.dead ? 1 : 0;
  }
}
