/**
 * The terminal side of `jaffle console` and `jaffle attach`, as IPython's terminal does
 * it: node:readline edits the line at the prompt (raw mode: history, Tab, Ctrl-C as a
 * key), and while the code entered runs, readline stops reading and the terminal goes
 * back to its own cooked mode. There the terminal echoes what is typed ahead and holds
 * it, and Ctrl-C is the terminal's SIGINT. The next prompt takes the held keys, so a
 * line typed during a run is shown after its own prompt, before its output, instead of
 * being taken (and echoed) in the middle of the previous cell's output.
 *
 * Keys that reach readline in one chunk (lines pasted, or typed ahead) give several
 * lines at once; the later ones wait their turn and are printed after their prompt.
 */
import { createInterface, type Interface } from "node:readline";
import type { ConsoleIO } from "./session.js";

export type Completion = [matches: string[], replaced: string];

export interface TerminalPromptOptions {
  history?: string[];
  completer?: (line: string) => Promise<Completion>;
  /**
   * Ctrl-C, at a prompt or while the entered code runs. Returns the prompt to start
   * again with (the line being typed is dropped), or undefined to keep the line (the
   * caller interrupted the running code instead).
   */
  onInterrupt: () => string | undefined;
}

export class TerminalPrompt {
  private readonly rl: Interface;
  /** Lines readline gave while no prompt was waiting for one (typed in the same chunk). */
  private readonly waiting: string[] = [];
  /** The prompt waiting for a line, if one is shown. */
  private asker?: (line: string | undefined) => void;
  private ended = false;
  private readonly onSignal = () => this.interrupt();

  constructor(
    private readonly io: ConsoleIO,
    private readonly options: TerminalPromptOptions,
  ) {
    const { completer } = options;
    this.rl = createInterface({
      input: io.input,
      output: io.output,
      terminal: true,
      history: options.history ?? [],
      historySize: 1000,
      removeHistoryDuplicates: true,
      completer:
        completer &&
        ((line: string, callback: (error: Error | null, result: Completion) => void) => {
          completer(line).then(
            (result) => callback(null, result),
            () => callback(null, [[], line]),
          );
        }),
    });
    this.rl.on("line", (line) => {
      const asker = this.asker;
      if (!asker) return void this.waiting.push(line);
      this.asker = undefined;
      this.cook();
      asker(line);
    });
    this.rl.on("SIGINT", this.onSignal);
    this.rl.once("close", () => {
      this.ended = true;
      const asker = this.asker;
      this.asker = undefined;
      asker?.(undefined);
    });
    // Ctrl-C in cooked mode is a signal to this process, not a key.
    process.on("SIGINT", this.onSignal);
    this.cook();
  }

  /**
   * Shows `prompt` and resolves to the line entered, or undefined once input ended
   * (Ctrl-D). `prefill` is typed into the line for the user (an indent), unless a line
   * typed ahead is already waiting. A second ask while one is pending abandons the
   * first (it resolves to undefined).
   */
  ask(prompt: string, prefill = ""): Promise<string | undefined> {
    this.asker?.(undefined);
    this.asker = undefined;
    const typedAhead = this.waiting.shift();
    if (typedAhead !== undefined) {
      this.io.output.write(`${prompt}${typedAhead}\n`);
      return Promise.resolve(typedAhead);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.asker = resolve;
      this.io.input.setRawMode?.(true);
      this.rl.setPrompt(prompt);
      this.rl.prompt(); // resumes readline: held keys arrive after the prompt is drawn
      if (prefill) this.rl.write(prefill);
    });
  }

  close(): void {
    process.off("SIGINT", this.onSignal);
    this.rl.close();
  }

  /** Back to the terminal's cooked mode, readline not reading, while entered code runs. */
  private cook(): void {
    this.rl.pause();
    this.io.input.setRawMode?.(false);
  }

  private interrupt(): void {
    const restart = this.options.onInterrupt();
    if (restart === undefined || !this.asker) return;
    // At a prompt: drop the line typed so far and start again.
    this.io.output.write("^C\n");
    this.rl.write(null, { ctrl: true, name: "e" }); // to the end of the line, then delete it all
    this.rl.write(null, { ctrl: true, name: "u" });
    this.rl.setPrompt(restart);
    this.rl.prompt();
  }
}
