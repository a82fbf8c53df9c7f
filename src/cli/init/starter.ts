/**
 * What `jaffle init` writes: it looks at the project (a package.json with TypeScript
 * sources, a Python package using Tornado, or neither) and renders the matching starter
 * jaffle.hcl. Every form is a configuration `jaffle config` accepts as written.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { JaffleError } from "../../errors.js";
import { beforeFirst } from "../../shared/text.js";

/** The three starters: the Node server bridge, the Python (Tornado) one, the commented reference. */
export type ProjectKind = "node" | "python" | "template";

export interface StarterOptions {
  /** `--app`: `./src/server.ts#Server` (Node) or `my_pkg.app.App` (Python). */
  app?: string;
  /** `--port`: passed to the server as `--port=N` and checked with a `ready` block. */
  port?: number;
}

export interface Starter {
  kind: ProjectKind;
  text: string;
}

/** Directories never searched for sources. */
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".jaffle", "dist", "build", "__pycache__", ".venv", "venv"]);
/** How deep and how many files the source scan looks at: enough for a starter, bounded for a monorepo. */
const MAX_DEPTH = 4;
const MAX_FILES = 2000;

/** Source files under `dir` with one of `extensions`, project-relative, in a stable order. */
function sourceFiles(dir: string, extensions: string[]): string[] {
  const found: string[] = [];
  const walk = (current: string, depth: number) => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith(".")) walk(join(current, entry.name), depth + 1);
      } else if (extensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts")) {
        found.push(relative(dir, join(current, entry.name)));
      }
    }
  };
  walk(dir, 0);
  return found;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** A Node project: --app names a module path, or a package.json sits beside TypeScript sources. */
function isNodeProject(dir: string, app: string | undefined): boolean {
  if (app !== undefined) return app.includes("#") || /\.[cm]?[jt]sx?$/.test(app) || app.startsWith(".");
  return existsSync(join(dir, "package.json")) && sourceFiles(dir, [".ts", ".mts", ".cts"]).length > 0;
}

/** A Python project using Tornado: its metadata or one of its modules names tornado. */
function isTornadoProject(dir: string, app: string | undefined): boolean {
  if (app !== undefined) return /^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$/.test(app);
  const metadata = ["pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"].map((f) => read(join(dir, f)));
  if (metadata.some((text) => /\btornado\b/i.test(text))) return true;
  return sourceFiles(dir, [".py"]).some((file) => /^\s*(?:import|from)\s+tornado\b/m.test(read(join(dir, file))));
}

export function detectKind(dir: string, app?: string): ProjectKind {
  if (isNodeProject(dir, app)) return "node";
  if (isTornadoProject(dir, app)) return "python";
  return "template";
}

/** The first exported class with a start() method, as `./path.ts#Name`. */
function guessNodeApp(dir: string): string | undefined {
  for (const file of sourceFiles(dir, [".ts", ".mts", ".cts"])) {
    const text = read(join(dir, file));
    if (!/\bstart\s*\(/.test(text)) continue;
    const match = /^export\s+(default\s+)?class\s+(\w+)/m.exec(text);
    if (match) return `./${file.split(sep).join("/")}${match[1] ? "" : `#${match[2]}`}`;
  }
  return undefined;
}

/** The first class deriving from a Tornado Application, as `package.module.Class`. */
function guessPythonApp(dir: string): string | undefined {
  for (const file of sourceFiles(dir, [".py"])) {
    const match = /^class\s+(\w+)\s*\([^)]*\bApplication\b[^)]*\)\s*:/m.exec(read(join(dir, file)));
    if (!match) continue;
    const module = file
      .replace(/\.py$/, "")
      .split(sep)
      .filter((part) => part !== "__init__")
      .join(".");
    return `${module}.${match[1]}`;
  }
  return undefined;
}

/** Thrown when the project's server class cannot be found; the message says how to name it. */
export class StarterError extends JaffleError {
  constructor(message: string) {
    super(message, { userFault: true });
  }
}

const quote = (value: string) => JSON.stringify(value);

function readyBlock(port: number | undefined, indent: string): string {
  return port === undefined
    ? `${indent}# ready { url = "http://127.0.0.1:8080/" }   # wait until the server answers\n`
    : `${indent}ready {\n${indent}  url = ${quote(`http://127.0.0.1:${port}/`)}\n${indent}}\n`;
}

const argv = (port: number | undefined) => (port === undefined ? "[]" : `[${quote(`--port=${port}`)}]`);

function nodeStarter(dir: string, options: StarterOptions): string {
  const app = options.app ?? guessNodeApp(dir);
  if (!app) {
    throw new StarterError(
      "no exported class with a start() method found: name your server class with --app ./src/server.ts#Server",
    );
  }
  const pkg = read(join(dir, "package.json"));
  const typecheck = existsSync(join(dir, "tsconfig.json")) && /"typescript"\s*:/.test(pkg);
  return `# jaffle.hcl, written by \`jaffle init\`: your server in the built-in Node.js kernel,
# restarted in place when a source file changes. Run it with: npx jaffle start
# (npx jaffle start --exit-when-ready in CI). Reference: jaffle's README.

kernel "node" {}   # the built-in Node.js kernel

app "server" {
  class  = "ServerBridgeApp"
  kernel = "node"
  start  = "await server.start()"

  options {
    app_class = ${quote(app)}   # a class constructed with argv, with start() and stop()
    argv      = ${argv(options.port)}
    threaded  = false   # true: a worker thread with a fresh module graph on every restart
  }

${readyBlock(options.port, "  ")}}

app "watchdog" {
  class  = "WatchdogApp"
  kernel = "node"

  options {
    handlers = [{
      patterns           = ["*.ts", "*.js", "*.json"]
      ignore_patterns    = ["*/node_modules/*", "*/dist/*", "*/.jaffle/*"]
      ignore_directories = true
      debounce           = 0.1
      code_blocks        = ["server.handle_watchdog_event({event})"]
${typecheck ? `      jobs               = ["typecheck"]\n` : ""}    }]
  }
}
${
  typecheck
    ? `
# The project's own TypeScript (npx --no-install never fetches a package).
job "typecheck" {
  command = "npx --no-install tsc --noEmit"
}
`
    : ""
}`;
}

function pythonStarter(dir: string, options: StarterOptions): string {
  const app = options.app ?? guessPythonApp(dir);
  if (!app) {
    throw new StarterError(
      "no tornado.web.Application subclass found: name your application class with --app my_package.app.MyApp",
    );
  }
  const topPackage = beforeFirst(app, ".");
  return `# jaffle.hcl, written by \`jaffle init\`: your Tornado application in a Python kernel
# (ipykernel), restarted in place when a .py file changes. Run it with: npx jaffle start
# Needs Debian's python3-ipykernel, python3-jupyter-client and python3-tornado.

kernel "py_kernel" {
  kernel_name = "python3"
}

app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py_kernel"

  options {
    handlers = [{
      patterns           = ["*.py"]
      ignore_directories = true
      code_blocks        = ["tornado_app.handle_watchdog_event({event})"]
    }]
  }
}

app "tornado_app" {
  class  = "jaffle.app.tornado.TornadoBridgeApp"
  kernel = "py_kernel"
  start  = "tornado_app.start()"

  options {
    app_class   = ${quote(app)}
    argv        = ${argv(options.port)}
    threaded    = true   # its own IOLoop in its own thread
    clear_cache = [${quote(topPackage)}]   # modules reloaded on a restart
  }

${readyBlock(options.port, "  ")}}
`;
}

/** Every block, commented, around one live kernel: a reference to uncomment from. */
const TEMPLATE = `# jaffle.hcl, written by \`jaffle init\`: one live block (a kernel) and every other block
# commented out. Uncomment what you need; \`npx jaffle config\` checks the file and
# \`npx jaffle start\` runs it. The full reference is in jaffle's README.

# variable "port" {
#   type    = "int"
#   default = 8080      # J_VAR_port=9000 or --var port=9000 overrides it
# }

kernel "main" {}        # the built-in Node.js kernel; \`npx jaffle console main\` opens a shell in it

# kernel "py" {
#   kernel_name = "python3"   # any installed kernelspec (Debian's python3-ipykernel)
#   pass_env    = ["PATH", "HOME"]
#   env { DEBUG = "1" }
# }

# app "server" {
#   class  = "ServerBridgeApp"           # your server class, in the kernel
#   kernel = "main"
#   start  = "await server.start()"
#   options {
#     app_class = "./src/server.ts#Server"   # Python: "my_package.app.MyApp" in a python kernel
#     argv      = ["--port=\${var.port}"]
#     threaded  = false
#   }
#   ready { url = "http://127.0.0.1:\${var.port}/" }
# }

# app "watchdog" {
#   class  = "WatchdogApp"
#   kernel = "main"
#   options {
#     handlers = [{
#       patterns    = ["*/src/*.ts"]
#       debounce    = 0.1
#       code_blocks = ["server.handle_watchdog_event({event})"]
#       jobs        = ["test"]
#     }]
#   }
# }

# process "compiler" {
#   command = "npx --no-install tsc --watch --preserveWatchOutput"
#   restart = "on-failure"                # never | on-failure | always
#   tty     = false
#   ready { log_regex = "Watching for file changes" }
#   logger { suppress_regex = ["^\\\\s*$"] }
# }

# job "test" {
#   command = "npm test"
# }

# logger {
#   level          = "info"             # critical | error | warning | info | debug
#   suppress_regex = ["DEBUG"]
#   replace_regex  = [{ from = "ERROR", to = "\${fg('red')}ERROR\${reset()}" }]
# }
`;

export function renderStarter(dir: string, options: StarterOptions = {}): Starter {
  const kind = detectKind(dir, options.app);
  if (kind === "node") return { kind, text: nodeStarter(dir, options) };
  if (kind === "python") return { kind, text: pythonStarter(dir, options) };
  return { kind, text: TEMPLATE };
}
