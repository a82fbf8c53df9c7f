import { JaffleError } from "../../errors.js";

/**
 * Raised into a cell that was interrupted (SIGINT or `interrupt_request`), like Python's.
 * A module of its own: the kernel raises it before its cell services (cell-services.ts)
 * are loaded, and they must not be loaded for it.
 */
export class KeyboardInterrupt extends JaffleError {
  constructor(message = "the cell was interrupted") {
    super(message);
  }
}
