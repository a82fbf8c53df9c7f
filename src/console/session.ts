/**
 * The console loop: reads code, groups lines into cells with `is_complete`, executes
 * them and renders their outputs as they stream.
 *
 * Two drivers share one cell runner:
 * - interactive (stdin is a terminal): a TerminalPrompt (readline at the prompt, the
 *   terminal's cooked mode while a cell runs), history seeded from the kernel's own
 *   history, tab completion through `complete_request`, IPython prompts, Ctrl-C
 *   interrupting the running cell (or clearing the line at the prompt), Ctrl-D leaving
 *   without stopping the kernel;
 * - piped (stdin is not a terminal): lines accumulate until the kernel says the code is
 *   complete (or invalid, so it reports the error), then run as one cell; the remainder
 *   runs at end of input.
 *
 * Exit status, as IPython does with piped input: an error in a cell is shown and the
 * session carries on; the exit code is 0 unless the kernel died (1).
 */
import { createInterface } from "node:readline";
import type { KernelClient } from "../kernel/client.js";
import type { IsCompleteReplyContent } from "../kernel/messages.js";
import { OutputRenderer, type OutputSink } from "./render.js";
import { TerminalPrompt, type Completion } from "./terminal-prompt.js";

export interface ConsoleIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean };
  errorOutput: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean };
}

/** Code-point offsets (the protocol's unit) ↔ UTF-16 offsets (JavaScript's). */
const codePoints = (text: string) => Array.from(text).length;
const utf16Offset = (text: string, points: number) => Array.from(text).slice(0, points).join("").length;

export class ConsoleSession {
  private executionCount = 1;
  private running = false;
  /** Ctrl-C arrived while a line was being checked with is_complete: drop that cell. */
  private cancelled = false;
  private deadReason?: string;
  private readonly renderer: OutputRenderer;
  private readonly sink: OutputSink;

  constructor(
    private readonly client: KernelClient,
    private readonly io: ConsoleIO,
    private readonly interactive: boolean,
  ) {
    this.sink = {
      stdout: (text) => void io.output.write(text),
      stderr: (text) => void io.errorOutput.write(text),
    };
    const color = Boolean(io.errorOutput.isTTY && io.errorOutput.hasColors?.() && !process.env.NO_COLOR);
    this.renderer = new OutputRenderer(this.sink, { outPrompt: interactive, color });
    client.once("dead", (reason) => {
      this.deadReason = reason;
      this.sink.stderr(`\nkernel died: ${reason}\n`);
    });
  }

  /** Runs until end of input (or Ctrl-D); resolves to the exit code. */
  async run(): Promise<number> {
    if (this.interactive) await this.runInteractive();
    else await this.runPiped();
    return this.deadReason === undefined ? 0 : 1;
  }

  private async completeness(code: string): Promise<IsCompleteReplyContent> {
    try {
      return (await this.client.isComplete(code, 30_000)).content;
    } catch (error) {
      if (this.deadReason !== undefined) throw error;
      // A kernel that cannot tell is treated as "run it": its own error is more useful.
      return { status: "unknown" };
    }
  }

  private async execute(code: string): Promise<void> {
    this.running = true;
    try {
      const { reply } = await this.client.execute(code, {
        allowStdin: this.interactive,
        // A failed cell must not make the kernel abort the next one (see KernelHost).
        stopOnError: false,
        onOutput: (msg) => this.renderer.render(msg),
        onInput: (prompt, password) => this.askInput(prompt, password),
      });
      const count = reply.content.execution_count;
      if (typeof count === "number") this.executionCount = count + 1;
      if (reply.content.status === "abort" || reply.content.status === "aborted")
        this.sink.stderr("(execution aborted)\n");
    } catch (error) {
      if (this.deadReason === undefined) this.sink.stderr(`jaffle console: ${(error as Error).message}\n`);
    } finally {
      this.running = false;
    }
  }

  // -------------------------------------------------------------------------------------
  // Piped input
  // -------------------------------------------------------------------------------------

  private async runPiped(): Promise<void> {
    const lines = createInterface({ input: this.io.input, terminal: false, crlfDelay: Infinity });
    // Ctrl-C (SIGINT to the console) interrupts the running cell instead of leaving.
    const onSigint = () => {
      if (this.running) void this.client.interrupt().catch(() => undefined);
      else process.exit(130);
    };
    process.on("SIGINT", onSigint);
    try {
      let cell: string | undefined;
      for await (const line of lines) {
        if (this.deadReason !== undefined) break;
        if (cell === undefined && line.trim() === "") continue;
        cell = cell === undefined ? line : `${cell}\n${line}`;
        if ((await this.completeness(cell)).status !== "incomplete") {
          await this.execute(cell);
          cell = undefined;
        }
      }
      if (cell !== undefined && this.deadReason === undefined) await this.execute(cell);
    } finally {
      process.off("SIGINT", onSigint);
      lines.close();
    }
  }

  // -------------------------------------------------------------------------------------
  // Terminal
  // -------------------------------------------------------------------------------------

  private terminal?: TerminalPrompt;
  private cellLines: string[] = [];

  private prompt(): string {
    return this.cellLines.length === 0
      ? `In [${this.executionCount}]: `
      : `${" ".repeat(String(this.executionCount).length + 3)}...: `;
  }

  private async kernelHistory(): Promise<string[]> {
    try {
      const reply = await this.client.history({ output: false, raw: true, hist_access_type: "tail", n: 1000 }, 5000);
      if (reply.content.status !== "ok") return [];
      const inputs = reply.content.history
        .map((entry) => (typeof entry[2] === "string" ? entry[2] : entry[2][0]))
        .filter((input) => input !== "" && !input.includes("\n"));
      return [...new Set(inputs.reverse())];
    } catch {
      return [];
    }
  }

  private async complete(line: string): Promise<Completion> {
    const before = this.cellLines.length > 0 ? `${this.cellLines.join("\n")}\n` : "";
    const code = before + line;
    const reply = await this.client.complete(code, codePoints(code), 5000);
    if (reply.content.status !== "ok") return [[], line];
    const start = utf16Offset(code, reply.content.cursor_start) - before.length;
    if (start < 0) return [[], line];
    return [[...new Set(reply.content.matches)], line.slice(start)];
  }

  private async askInput(prompt: string, _password: boolean): Promise<string> {
    return (await this.terminal?.ask(prompt)) ?? "";
  }

  /** Learns the kernel's execution counter (a silent, unrecorded execution) for the first prompt. */
  private async syncExecutionCount(): Promise<void> {
    try {
      const { reply } = await this.client.execute("", { silent: true, storeHistory: false, timeoutMs: 10_000 });
      if (typeof reply.content.execution_count === "number") this.executionCount = reply.content.execution_count + 1;
    } catch {
      /* keep counting from 1 */
    }
  }

  private async runInteractive(): Promise<void> {
    const history = await this.kernelHistory();
    await this.syncExecutionCount();
    const info = this.client.info;
    this.sink.stdout(
      `${info.banner.trim() || info.implementation}\n\njaffle console: Ctrl-C interrupts, Ctrl-D leaves (the kernel keeps running).\n\n`,
    );
    const terminal = new TerminalPrompt(this.io, {
      history,
      completer: (line) => this.complete(line),
      onInterrupt: () => {
        if (this.running) {
          void this.client
            .interrupt()
            .catch((error: unknown) => this.sink.stderr(`interrupt failed: ${(error as Error).message}\n`));
          return undefined;
        }
        // At the prompt, or while a line is checked: drop it (and any unfinished cell).
        this.cancelled = true;
        this.cellLines = [];
        return this.prompt();
      },
    });
    this.terminal = terminal;
    this.client.once("dead", () => terminal.close());
    try {
      let prefill = "";
      for (;;) {
        const line = await terminal.ask(this.prompt(), prefill);
        prefill = "";
        if (line === undefined || this.deadReason !== undefined) break;
        if (this.cellLines.length === 0 && line.trim() === "") continue;
        this.cellLines.push(line);
        const code = this.cellLines.join("\n");
        this.cancelled = false;
        const verdict = await this.completeness(code);
        if (this.cancelled) continue; // Ctrl-C while asking: the cell is dropped
        if (verdict.status === "incomplete") {
          prefill = verdict.indent ?? "";
          continue;
        }
        this.cellLines = [];
        await this.execute(code);
        if (this.deadReason !== undefined) break;
        this.sink.stdout("\n");
      }
    } finally {
      terminal.close();
    }
    this.sink.stdout("\n");
  }
}
