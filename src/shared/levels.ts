/**
 * Jaffle's log levels: vocabulary shared by the configuration (`logger { level }`) and the
 * log hub, so it lives below both.
 */

/** Jaffle's levels, most severe first (Python logging names, as in jaffle.hcl). */
export const LEVELS = ["critical", "error", "warning", "info", "debug"] as const;
export type Level = (typeof LEVELS)[number];
