/** A test run's counts, as both kernel-side runners report them, and its summary line. */

export interface RunSummary {
  passed: number;
  failed: number;
  error: number;
  skipped: number;
  xfailed: number;
  xpassed: number;
  seconds: number;
  exit_code: number;
}

const ORDER = ["passed", "failed", "error", "skipped", "xfailed", "xpassed"] as const;

/** `4 passed, 1 failed in 0.21 s`, the format pytest_runner.py prints too. */
export function summaryLine(summary: RunSummary): string {
  const parts = ORDER.filter((key) => (summary[key] ?? 0) > 0).map((key) => `${summary[key]} ${key}`);
  return `${parts.length > 0 ? parts.join(", ") : "no tests ran"} in ${summary.seconds.toFixed(2)} s`;
}
