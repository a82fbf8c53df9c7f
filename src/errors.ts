/**
 * The one base of every error jaffle throws on purpose. Each layer throws its own
 * subclass (ConfigError, RuntimeDirError, KernelDeadError, ...); only the CLI decides what
 * an error means for the exit code. `userFault` is the one fact it needs: true when the
 * user's input or environment is at fault (a bad option, a bad file, nothing running),
 * which the CLI prints as one line without a stack; false for failures of jaffle or of
 * the things it drives, which keep their stack for a bug report.
 */
export interface JaffleErrorOptions {
  /** The user's input or environment is at fault (default false). */
  userFault?: boolean;
  cause?: unknown;
}

export class JaffleError extends Error {
  readonly userFault: boolean;

  constructor(message: string, options: JaffleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Every subclass is named after itself without repeating it (stack traces, logs, tests).
    this.name = new.target.name;
    this.userFault = options.userFault ?? false;
  }
}

/** True for an error the CLI shows as one line: the user's mistake, not a bug. */
export function isUserFault(error: unknown): error is JaffleError {
  return error instanceof JaffleError && error.userFault;
}
