/** Statistics and a plain-text table for `npm run bench`: our figure beside the alternatives. */

export interface Stats {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

export function stats(samples: number[]): Stats {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  // The sample at quantile q; the index is clamped into the (non-empty) sorted samples.
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { n: sorted.length, median: at(0.5), p90: at(0.9), min: at(0), max: at(1), mean };
}

export interface Row {
  /** What was measured ("jaffle, Node bridge (threaded)", "nodemon", ...). */
  name: string;
  /** Raw samples, or null with `note` when the tool could not be measured in this run. */
  samples: number[] | null;
  note?: string;
}

function fmt(value: number, unit: string): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/**
 * Prints a table of medians, p90, min and max, with each row's median as a ratio to the
 * first row's (the baseline, normally our own figure). `lowerIsBetter` only changes the
 * wording of the ratio column header.
 */
export function printTable(
  title: string,
  unit: string,
  rows: Row[],
  options: { lowerIsBetter?: boolean } = {},
): string {
  const lowerIsBetter = options.lowerIsBetter ?? true;
  const baseline = rows.find((row) => row.samples && row.samples.length > 0);
  const base = baseline ? stats(baseline.samples!).median : NaN;
  const header = ["", "n", "median", "p90", "min", "max", `× ${baseline?.name ?? "baseline"}`];
  const body = rows.map((row) => {
    if (!row.samples || row.samples.length === 0)
      return [row.name, "-", "-", "-", "-", "-", row.note ?? "not measured"];
    const s = stats(row.samples);
    return [
      row.name,
      String(s.n),
      fmt(s.median, unit),
      fmt(s.p90, unit),
      fmt(s.min, unit),
      fmt(s.max, unit),
      `${(s.median / base).toFixed(2)}×`,
    ];
  });
  const widths: number[] = [];
  for (const row of [header, ...body])
    for (const [col, cell] of row.entries()) widths[col] = Math.max(widths[col] ?? 0, cell.length);
  const line = (cells: string[]) => "| " + cells.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(" | ") + " |";
  const text = [
    `\n### ${title}${lowerIsBetter ? " (lower is better)" : " (higher is better)"}\n`,
    line(header),
    "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |",
    ...body.map(line),
    "",
  ].join("\n");
  process.stdout.write(text + "\n");
  return text;
}

/**
 * Each row's median over the median of the row named `floorName` (`node -e 0` measured in
 * the same run): on a shared, loaded machine the ratio is the figure that holds still.
 */
export function printRatios(title: string, rows: Row[], floorName: string): void {
  const floor = rows.find((row) => row.name === floorName);
  if (!floor?.samples?.length) return;
  const base = stats(floor.samples).median;
  const lines = [`\n### ${title}\n`, `| | median | × ${floorName} |`, "| - | - | - |"];
  for (const row of rows) {
    if (row === floor || !row.samples?.length) continue;
    const median = stats(row.samples).median;
    lines.push(`| ${row.name} | ${median.toFixed(0)} | ${(median / base).toFixed(2)}× |`);
  }
  process.stdout.write(lines.join("\n") + "\n\n");
}
