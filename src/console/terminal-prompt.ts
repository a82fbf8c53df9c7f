/**
 * The terminal side of `jaffle console` and `jaffle attach`, as IPython's terminal does
 * it: node:readline edits the line at the prompt (raw mode: history, Tab, Ctrl-C as a
 * key), and while the code entered runs, the terminal is back in its own cooked mode.
 * There it echoes what is typed ahead, Ctrl-C is its SIGINT (which, as the terminal
 * does, also discards what was typed ahead), and Ctrl-D is its end of input. The keys
 * typed during a run are held and given to readline at the next prompt, so a line typed
 * ahead is shown after its own prompt, before its output, instead of being taken (and
 * echoed) in the middle of the previous cell's output; a Ctrl-D typed during a run
 * leaves once the lines typed before it ran.
 *
 * readline reads a stream of this class's (`keys`), not the terminal: the terminal is
 * read all the time (a terminal that is not read forgets an end of input when it goes
 * back to raw mode), and what it gives goes to readline at a prompt and is held
 * otherwise. Keys that reach readline in one chunk (lines pasted, or typed ahead) give
 * several lines at once; the later ones wait their turn and are printed after their
 * prompt.
 */
import { createInterface, type Interface } from "node:readline";
import { PassThrough } from "node:stream";
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
  /** What readline reads: the terminal's keys at a prompt, the held ones when it is shown. */
  private readonly keys = new PassThrough();
  /** Keys the terminal gave while the entered code ran (cooked mode: whole lines). */
  private held: Buffer[] = [];
  /** The terminal's input ended (Ctrl-D in cooked mode) while no prompt was shown. */
  private heldEnd = false;
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
      input: this.keys,
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
    io.input.on("data", (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      if (this.asker) this.keys.write(bytes);
      else this.held.push(bytes);
    });
    io.input.once("end", () => {
      if (this.asker) this.keys.end();
      else this.heldEnd = true;
    });
    // Ctrl-C in cooked mode is a signal to this process, not a key.
    process.on("SIGINT", this.onSignal);
    this.cook();
    io.input.resume();
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
      this.setRawMode(true);
      this.rl.setPrompt(prompt);
      this.rl.prompt();
      if (prefill) this.rl.write(prefill);
      // The keys typed during the run, after the prompt that takes them.
      for (const bytes of this.held.splice(0)) this.keys.write(bytes);
      if (this.heldEnd) this.keys.end();
    });
  }

  close(): void {
    process.off("SIGINT", this.onSignal);
    this.rl.close();
    this.setRawMode(false);
    this.io.input.pause();
  }

  /** Back to the terminal's cooked mode while entered code runs. */
  private cook(): void {
    this.setRawMode(false);
  }

  /** An input that ended (Ctrl-D in cooked mode) has no terminal mode left to set. */
  private setRawMode(raw: boolean): void {
    if (!(this.io.input as { destroyed?: boolean }).destroyed) this.io.input.setRawMode?.(raw);
  }

  private interrupt(): void {
    // As the terminal flushes its own input on Ctrl-C, what was typed ahead is dropped.
    this.held = [];
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
