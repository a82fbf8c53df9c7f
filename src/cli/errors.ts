/**
 * An error of the CLI's own (a bad option value): printed as one line (`jaffle: <message>`)
 * with its exit code. Lower layers throw their own JaffleError subclasses; main() prints
 * every user-fault JaffleError the same way. Anything else thrown is a bug and keeps its stack.
 */
import { JaffleError } from "../errors.js";

export class UserError extends JaffleError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message, { userFault: true });
  }
}
