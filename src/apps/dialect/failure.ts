/**
 * A failure described in the kernel, as a typed value: the kernel-side helpers
 * (jaffle_kernel.py's FailureReport) put it in a cell value's MIME bundle under this type,
 * so the supervisor reads the reason, the readable report and the whole traceback without
 * parsing the kernel's formatted traceback.
 */
import { AppFailure } from "../api.js";

export const FAILURE_MIME = "application/vnd.jaffle.failure+json";

/** The failure in an execute_result's bundle, or undefined when it holds none. */
export function failureFrom(data: Record<string, unknown> | undefined): AppFailure | undefined {
  const value = data?.[FAILURE_MIME];
  if (!value || typeof value !== "object") return undefined;
  const { reason, report, details } = value as Record<string, unknown>;
  if (typeof reason !== "string" || reason === "") return undefined;
  return new AppFailure(
    reason,
    typeof report === "string" ? report : reason,
    typeof details === "string" ? details : undefined,
  );
}
