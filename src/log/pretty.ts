/**
 * Jaffle's line layout:
 * `HH:MM:SS.mmm <source name right-aligned, one colour per name> <level letter> message`.
 * Continuation lines of a multi-line message are indented under the message column so
 * the eye can follow the time/name column.
 */
import type { Level } from "./logger.js";
import { hasEscape, RESET, stripAnsi } from "./ansi.js";

/** Names shorter than this are padded so messages line up; longer ones are shown whole. */
export const NAME_WIDTH = 14;

/**
 * Foreground colours for source names: the basic and bright ANSI colours minus red
 * (reserved for errors) and black/white (invisible on one of the two usual backgrounds).
 */
const NAME_PALETTE = [36, 32, 33, 34, 35, 96, 92, 93, 94, 95] as const;

const LEVEL_BADGES: Record<Level, { letter: string; sgr: string }> = {
  critical: { letter: "C", sgr: "1;97;41" },
  error: { letter: "E", sgr: "97;41" },
  warning: { letter: "W", sgr: "30;43" },
  info: { letter: "I", sgr: "30;42" },
  debug: { letter: "D", sgr: "97;100" },
};

/** FNV-1a: a stable hash, so a name keeps its colour from run to run. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function nameColor(name: string): number {
  // In range: a remainder of the palette's length.
  return NAME_PALETTE[hashName(name) % NAME_PALETTE.length]!;
}

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local wall-clock time with milliseconds, as Jaffle printed it. */
export function formatClock(time: number): string {
  const date = new Date(time);
  const ms = date.getMilliseconds();
  const millis = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms);
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}.${millis}`;
}

export interface PrettyRecord {
  time: number;
  level: Level;
  name: string;
  msg: string;
}

/**
 * Formats records; caches each name's padded and coloured column since a flood
 * repeats the same few names.
 */
export class PrettyFormatter {
  private readonly nameColumns = new Map<string, string>();

  constructor(private readonly color: boolean) {}

  /** One or more output lines, each ending in "\n". */
  format(record: PrettyRecord): string {
    const name = this.nameColumn(record.name);
    const badge = LEVEL_BADGES[record.level];
    const level = this.color ? `\x1b[${badge.sgr}m${badge.letter}${RESET}` : badge.letter;
    const head = `${formatClock(record.time)} ${name} ${level} `;
    const msg = this.color ? record.msg : stripAnsi(record.msg);
    if (!msg.includes("\n")) return `${head}${this.closeColor(msg)}\n`;
    // Visible width of the head: clock (12) + name column + badge + three spaces.
    const indent = " ".repeat(12 + Math.max(NAME_WIDTH, record.name.length) + 4);
    const lines = msg.split("\n").map((line) => this.closeColor(line));
    return `${head}${lines.join(`\n${indent}`)}\n`;
  }

  /** A message that set a colour and did not reset it must not paint the next line. */
  private closeColor(line: string): string {
    return this.color && hasEscape(line) ? line + RESET : line;
  }

  private nameColumn(name: string): string {
    let column = this.nameColumns.get(name);
    if (column === undefined) {
      const padded = name.padStart(NAME_WIDTH);
      column = this.color ? `\x1b[${nameColor(name)}m${padded}${RESET}` : padded;
      this.nameColumns.set(name, column);
    }
    return column;
  }
}
