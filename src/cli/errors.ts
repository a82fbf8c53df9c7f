/**
 * An error meant for the user: printed as one line (`jaffle: <message>`) and turned into
 * a non-zero exit code by main(). Anything else thrown is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}
