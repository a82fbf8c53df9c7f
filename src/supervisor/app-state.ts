/**
 * The one state every app has, owned by its AppSlot (the only place that changes it):
 *
 *   starting ──► running ──(watchdog event: restart)──► starting ...
 *      │                                                   │
 *      └──────────► failed (reason) ◄──────────────────────┘
 *   any ──► stopped (shutdown, or its kernel is gone for good)
 *
 * `failed` carries a one-line reason: the user's error message and, where one exists,
 * the user's `file:line`, as the app (the runtime in its kernel) reported it. The next
 * watchdog event for a failed app tries again. Nothing here parses log text.
 */

import type { AppStateName } from "../runtime/status.js";

export type { AppStateName };

export type AppState =
  | { readonly name: "starting"; readonly since: Date }
  | { readonly name: "running"; readonly since: Date }
  | {
      readonly name: "failed";
      readonly since: Date;
      /** One line: the user's error and location. */
      readonly reason: string;
      /**
       * How far the last attempt got: "create" (class, constructor, setup() or the
       * `start` code failed: a retry creates the app anew) or "run" (the app exists, what
       * it started failed: a retry hands the event to the app, e.g. a server restart).
       */
      readonly stage: "create" | "run";
    }
  | { readonly name: "stopped"; readonly since: Date };

export const starting = (): AppState => ({ name: "starting", since: new Date() });
export const running = (): AppState => ({ name: "running", since: new Date() });
export const stopped = (): AppState => ({ name: "stopped", since: new Date() });
export const failed = (reason: string, stage: "create" | "run"): AppState => ({
  name: "failed",
  since: new Date(),
  reason,
  stage,
});

/** `running`, `failed: listen EADDRINUSE ...`: for log lines and `jaffle status`. */
export function describeAppState(state: AppState): string {
  return state.name === "failed" ? `failed: ${state.reason}` : state.name;
}
