/** How a child process ended, and the words the log uses for it. */

export interface ChildExit {
  /** Exit code; null when a signal ended the leader. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "exit code 1" / "signal SIGKILL": the noun form, as in "exited with …". */
export function describeExit(status: ChildExit): string {
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/** "exited with code 1" / "was killed by SIGKILL": the verb form, after a subject. */
export function describeEnding(status: ChildExit): string {
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}
