/**
 * Describes a failed start of the user's server class for people (runs in the Node
 * kernel, inside the server bridge's runtime): a one-line reason, the user's error and
 * the user's `file:line` where one exists, and a report with the user's own stack frames,
 * where the frames of Node's internals, tsx/esbuild, other packages and jaffle's runtime
 * are folded into one line. The Python runtime (tornado_bridge.py) does the same there.
 */
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeFirst, firstLine } from "../../shared/text.js";
import { locateSyntaxError } from "../../kernel/node/syntax-location.js";

export interface StartFailure {
  /** One line: `listen EADDRINUSE: address already in use 127.0.0.1:8080`, `Error: boom (src/app.ts:3:11)`. */
  reason: string;
  /** The reason, then the user's frames, then `(N internal frames hidden; --debug shows them)`. */
  report: string;
  /** The whole stack as the error had it. */
  details: string;
}

/** jaffle's own install (dist/ and src/ of this package): its frames are internal. */
const JAFFLE_ROOT = fileURLToPath(new URL(".", import.meta.url)).replace(
  /(?:\/dist)?\/src\/apps\/server-bridge\/$/,
  "/",
);

const FRAME = /^\s+at (?:(.*?) \()?(.*?)(?::(\d+))?(?::(\d+))?\)?$/;
/** esbuild's message for a file it could not transform: `/p/src/app.ts:2:0: ERROR: Expected ")"`. */
const ESBUILD_ERROR = /^(\/[^:]+):(\d+):(\d+): ERROR: (.*)$/m;

/** A frame's file as a path, or undefined for node: internals and the like. */
function framePath(location: string): string | undefined {
  if (location.startsWith("file://")) return fileURLToPath(beforeFirst(location, "?"));
  if (location.startsWith("data:")) {
    // tsx runs CommonJS TypeScript from a data: URL that names the file in ?filePath=.
    const param = /[?&]filePath=([^&:]+)/.exec(location)?.[1];
    return param ? beforeFirst(decodeURIComponent(param), "?") : undefined;
  }
  return location.startsWith("/") ? beforeFirst(location, "?") : undefined;
}

function isUserFile(path: string | undefined, projectDir: string): path is string {
  if (path === undefined) return false;
  const root = projectDir.endsWith(sep) ? projectDir : projectDir + sep;
  if (!path.startsWith(root) || path.includes(`${sep}node_modules${sep}`)) return false;
  // The project may be jaffle's own checkout (its examples): its runtime is still internal.
  return !(path.startsWith(JAFFLE_ROOT + "dist" + sep) || path.startsWith(JAFFLE_ROOT + "src" + sep));
}

interface Frame {
  text: string;
  /** `src/app.ts:3:11` relative to the project (line only when it is the file's own). */
  where?: string;
}

function parseFrame(line: string, projectDir: string): Frame | undefined {
  const match = FRAME.exec(line);
  if (!match) return undefined;
  const [, fn, location = "", lineNo, column] = match;
  const path = framePath(location);
  if (!isUserFile(path, projectDir)) return { text: line };
  const file = relative(projectDir, path);
  // A data: URL's line and column are those of tsx's compiled text, not of the file.
  const exact = !location.startsWith("data:") && lineNo !== undefined;
  const where = exact ? `${file}:${lineNo}${column ? `:${column}` : ""}` : file;
  return { text: `    at ${fn ? `${fn} (${where})` : where}`, where };
}

/** Paths in a message shown relative to the project: `'./src/missing.ts' imported from ./`. */
function relativeTo(text: string, projectDir: string): string {
  const root = projectDir.endsWith(sep) ? projectDir : projectDir + sep;
  return text.split(root).join("./");
}

/**
 * `error` failed loading or starting `moduleFile` (the app_class module, for errors that
 * carry no location of their own, such as Node's SyntaxError of an ES module).
 */
export function describeStartFailure(error: unknown, projectDir: string, moduleFile?: string): StartFailure {
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const lines = stack.split("\n");
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  const head = (firstFrame < 0 ? lines : lines.slice(0, firstFrame)).join("\n");
  const frames = (firstFrame < 0 ? [] : lines.slice(firstFrame)).map(
    (line) => parseFrame(line, projectDir) ?? { text: line },
  );
  const userFrames = frames.filter((frame) => frame.where !== undefined);

  let headline = firstLine(head).replace(/^Error(?: \[\w+\])?: /, "");
  let where = userFrames[0]?.where;
  const esbuild = ESBUILD_ERROR.exec(head);
  if (esbuild) {
    // tsx could not compile the file: the first error is the whole story.
    const [, file, lineNo, column, message] = esbuild;
    headline = `SyntaxError: ${message}`;
    where = `${relative(projectDir, file!)}:${lineNo}:${column}`;
  } else if (where === undefined) {
    // Node names no place for an ES module that does not parse (and only file:line in a
    // header above the message for a CommonJS one): find the module and its line and column.
    const found = locateSyntaxError(stack, moduleFile !== undefined ? [moduleFile] : []);
    if (found) {
      headline = `SyntaxError: ${found.message}`;
      where = `${relative(projectDir, found.file)}:${found.line}:${found.column}`;
    } else if (moduleFile !== undefined && /^SyntaxError\b/.test(headline)) {
      where = relative(projectDir, moduleFile);
    }
  }
  headline = relativeTo(headline, projectDir);
  const reason = where !== undefined && !headline.includes(where) ? `${headline} (${where})` : headline;
  const hidden = frames.length - userFrames.length;
  const report = [
    reason,
    ...userFrames.map((frame) => frame.text),
    ...(hidden > 0 ? [`    (${hidden} internal frame${hidden === 1 ? "" : "s"} hidden; --debug shows them)`] : []),
  ].join("\n");
  return { reason, report, details: stack };
}
