/**
 * The typed message by which the server bridge's runtime in the kernel (node-runtime.ts,
 * tornado_bridge.py) tells the supervisor how its last start, stop or restart went: the
 * value of `NAME._jaffle_call(method)` carries it in its MIME bundle under this type, so
 * the supervisor reads a structured result and never parses log text.
 */
export const BRIDGE_OUTCOME_MIME = "application/vnd.jaffle.bridge-outcome+json";

export interface BridgeOutcome {
  /** stopped: never started, or stopped; running: serving; failed: the last attempt failed. */
  state: "stopped" | "running" | "failed";
  /** Failed only: one line, the user's error and file:line. */
  reason?: string;
  /** Failed only: the reason, the user's frames, the internal ones folded into one line. */
  report?: string;
  /** Failed only: the whole traceback. */
  details?: string;
}

/** The outcome in an execute_result's bundle, or undefined when it holds none. */
export function outcomeFrom(data: Record<string, unknown> | undefined): BridgeOutcome | undefined {
  const value = data?.[BRIDGE_OUTCOME_MIME];
  if (!value || typeof value !== "object") return undefined;
  const { state, reason, report, details } = value as Record<string, unknown>;
  if (state !== "stopped" && state !== "running" && state !== "failed") return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { state, reason: text(reason), report: text(report), details: text(details) };
}
