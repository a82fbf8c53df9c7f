/**
 * Turning a `command = "..."` string into an argv, the way a POSIX shell would split
 * it: whitespace separates words; single quotes keep everything literal; double quotes
 * keep everything but `\"`, `\\`, `\$`, `` \` `` and backslash-newline; a backslash
 * outside quotes escapes the next character. No variables, globbing or tilde.
 *
 * A command that needs a real shell (pipes, `&&`, redirections, `$VAR`, globs,
 * sub-shells, `~`, a leading `NAME=value` assignment) runs as `/bin/sh -c command` instead: commandArgv() decides. The
 * shell then is the process-group leader; stopping the group still ends everything.
 *
 * It lives with the configuration because its syntax is part of jaffle.hcl's: the
 * validator rejects an empty or badly quoted command at its file:line:col, so
 * `jaffle config` catches what `jaffle start` would.
 */
import { JaffleError } from "../errors.js";

export class CommandSyntaxError extends JaffleError {
  constructor(
    message: string,
    /** 1-based column in the command string. */
    readonly column: number,
  ) {
    super(message, { userFault: true });
  }
}

interface Scan {
  words: string[];
  /** True when an unquoted shell operator, expansion or glob character occurs. */
  needsShell: boolean;
}

/** Characters that mean something to a shell when not quoted. */
const SHELL_SYNTAX = new Set(["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "#", "~"]);
/** Backslash escapes that double quotes honour (anything else keeps its backslash). */
const DOUBLE_QUOTE_ESCAPES = new Set(["$", "`", '"', "\\", "\n"]);

/** `FOO=bar cmd`: an environment assignment only a shell understands. */
const LEADING_ASSIGNMENT = /^\s*[A-Za-z_][A-Za-z0-9_]*=/;

function scan(command: string): Scan {
  const words: string[] = [];
  let needsShell = false;
  let word = "";
  let inWord = false;
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command.charAt(i);
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= n) throw new CommandSyntaxError(`trailing backslash at column ${i + 1}`, i + 1);
      const next = command.charAt(i + 1);
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
      i += 2;
    } else if (c === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) throw new CommandSyntaxError(`unterminated single quote at column ${i + 1}`, i + 1);
      word += command.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      const open = i;
      i++;
      for (;;) {
        if (i >= n) throw new CommandSyntaxError(`unterminated double quote at column ${open + 1}`, open + 1);
        const d = command.charAt(i);
        if (d === '"') break;
        if (d === "\\" && i + 1 < n && DOUBLE_QUOTE_ESCAPES.has(command.charAt(i + 1))) {
          if (command[i + 1] !== "\n") word += command[i + 1];
          i += 2;
          continue;
        }
        // `$` and backquote expand inside double quotes in a shell.
        if (d === "$" || d === "`") needsShell = true;
        word += d;
        i++;
      }
      inWord = true;
      i++;
    } else {
      // `#` only starts a comment at the start of a word; `~` only expands there.
      if (SHELL_SYNTAX.has(c) && ((c !== "#" && c !== "~") || !inWord)) needsShell = true;
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (LEADING_ASSIGNMENT.test(command)) needsShell = true;
  return { words, needsShell };
}

/**
 * Splits `command` into words like a shell, without any expansion. Throws
 * CommandSyntaxError (with the column) on an unbalanced quote or a trailing backslash,
 * and on an empty command.
 */
export function splitCommand(command: string): string[] {
  const { words } = scan(command);
  if (words.length === 0) throw new CommandSyntaxError("empty command", 1);
  return words;
}

/**
 * The argv to spawn for `command`: its words when it is a simple command, otherwise
 * `["/bin/sh", "-c", command]` so operators, redirections, variables and globs work.
 * Quoting errors throw even when a shell would be used, so they are reported early
 * with their column rather than as a shell's error at run time.
 */
export function commandArgv(command: string): string[] {
  const { words, needsShell } = scan(command);
  if (words.length === 0) throw new CommandSyntaxError("empty command", 1);
  return needsShell ? ["/bin/sh", "-c", command] : words;
}
