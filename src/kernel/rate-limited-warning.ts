/**
 * A warning that a flood must not multiply: the first occurrence of each kind is written
 * in full, later ones of that kind within `intervalMs` are only counted, and one summary
 * line per interval gives the count and the latest of them. Used for dropped messages
 * (bad signatures, replays, per channel) by the Node kernel and by jaffle's kernel client,
 * so 5,000 forged messages cost a handful of log lines instead of 5,000.
 */
interface Window {
  suppressed: number;
  latest: string;
  timer: NodeJS.Timeout;
}

export class RateLimitedWarning {
  /** The kinds warned about in the current interval. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly emit: (line: string) => void,
    private readonly intervalMs = 5_000,
  ) {}

  /** `kind` groups the warnings that count as one flood (say, "invalid signature on shell"). */
  warn(kind: string, line: string): void {
    const window = this.windows.get(kind);
    if (window === undefined) {
      this.emit(line);
      this.openWindow(kind);
      return;
    }
    window.suppressed++;
    window.latest = line;
  }

  /** Writes the pending summaries now (on shutdown, so no count is lost). */
  flush(): void {
    for (const [kind, window] of this.windows) {
      clearTimeout(window.timer);
      this.windows.delete(kind);
      this.summarise(window);
    }
  }

  private openWindow(kind: string): void {
    // Unref'd: a pending summary must not keep a process alive.
    const timer = setTimeout(() => {
      const window = this.windows.get(kind)!;
      this.windows.delete(kind);
      // A flood still going on keeps the window open: one summary per interval.
      if (this.summarise(window)) this.openWindow(kind);
    }, this.intervalMs).unref();
    this.windows.set(kind, { suppressed: 0, latest: "", timer });
  }

  private summarise(window: Window): boolean {
    if (window.suppressed === 0) return false;
    const seconds = this.intervalMs / 1000;
    this.emit(`${window.suppressed} more like this within ${seconds}s; the latest: ${window.latest}`);
    return true;
  }
}
