/**
 * The lines the supervisor sends its reaper guardian over the guardian's stdin:
 *   `track <pgid> <label>`  a group was started
 *   `untrack <pgid>`        a group is gone
 *   `close`                 clean shutdown: exit without killing anything
 * The guardian answers once, `ready`, on its stdout when it is listening.
 * End of input without `close` means the supervisor died: kill every tracked group.
 */
export const READY_LINE = "ready";

/**
 * The environment variable every child of a supervisor carries: its value (the
 * guardian's argv[2]) marks the processes the guardian ends when the supervisor dies.
 */
export const MARKER_VARIABLE = "JAFFLE_REAPER_MARK";

export type ReaperCommand =
  { kind: "track"; pgid: number; label: string } | { kind: "untrack"; pgid: number } | { kind: "close" };

export function encodeCommand(command: ReaperCommand): string {
  switch (command.kind) {
    case "track":
      // Labels are free text; one command per line.
      return `track ${command.pgid} ${command.label.replace(/[\r\n]+/g, " ")}\n`;
    case "untrack":
      return `untrack ${command.pgid}\n`;
    case "close":
      return "close\n";
  }
}

/** Parses one line; undefined for anything malformed (ignored rather than fatal). */
export function decodeCommand(line: string): ReaperCommand | undefined {
  const [kind, pgidText, ...label] = line.split(" ");
  if (kind === "close") return { kind };
  const pgid = Number(pgidText);
  if (!Number.isInteger(pgid) || pgid <= 1) return undefined;
  if (kind === "track") return { kind, pgid, label: label.join(" ") };
  if (kind === "untrack") return { kind, pgid };
  return undefined;
}
