/**
 * The directory where a threaded bridge's workers write the module their loader warm-up
 * imports (see warmLoader): private, one per kernel process, shared by its bridges, and
 * removed when the process exits. Each warm-up removes its own file; the exit hook
 * catches what a worker terminated mid-warm-up left.
 */
import { processScratchDirectory } from "../../shared/process-scratch.js";

export function warmDirectory(): string {
  return processScratchDirectory("jaffle-warm-");
}
