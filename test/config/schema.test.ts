import { test } from "node:test";
import assert from "node:assert/strict";
import { load, loadErrors } from "./support.js";

const FULL = `
kernel "node" {}
kernel "py" {
  kernel_name = "python3"
  pass_env    = ["PATH", "HOME"]
  env {
    DEBUG = 1
    MODE  = "dev"
    ON    = true
  }
}

app "watch" {
  class    = "jaffle.app.watchdog.WatchdogApp"
  kernel   = "node"
  disabled = false
  logger {
    level          = "DEBUG"
    suppress_regex = ["^$"]
    replace_regex  = [{ from = "a", to = "b" }]
    name           = "watcher"
  }
  options {
    handlers = [
      {
        watch_path         = "src"
        patterns           = ["*.ts"]
        ignore_patterns    = ["*/node_modules/*"]
        ignore_directories = true
        case_sensitive     = true
        throttle           = 0.5
        debounce           = 0.2
        functions          = ["web.handle_watchdog_event({event})"]
        jobs               = ["build"]
        apps               = ["web"]
        clear_cache        = ["src"]
      },
    ]
  }
}

app "web" {
  class  = "ServerBridgeApp"
  kernel = "node"
  start  = "web.start()"
  options {
    app_class   = "./server.ts#Server"
    args        = ["--port=3000"]
    threaded    = true
    clear_cache = ["./src"]
    ready_url   = "http://127.0.0.1:3000/"
  }
  ready {
    url       = "http://127.0.0.1:3000/health"
    port      = 3000
    log_regex = "listening"
    timeout   = 30
  }
}

app "plugin" {
  class   = "./plugins/custom.ts#Custom"
  kernel  = "py"
  options {
    anything = { goes = [1, "two"] }
  }
}

process "api" {
  command        = "node api.js"
  tty            = true
  cwd            = "api"
  disabled       = true
  restart        = "on-failure"
  max_restarts   = 3
  restart_window = 2.5
  keep_blank_lines = true
  env {
    PORT = "4000"
  }
  logger {
    level = "warning"
  }
  ready {
    port = 4000
  }
}

job "build" {
  command = "npm run build"
  cwd     = "web"
  tty     = true
  keep_blank_lines = true
  env {
    CI = "1"
  }
  logger {
    name = "builder"
  }
}

logger {
  level          = "info"
  suppress_regex = ["noise"]
  replace_regex  = [{ from = "(?P<word>w+)", to = "\\\\g<word>" }]
}
`;

const noLogger = { suppress_regex: [], replace_regex: [] };

test("every block and option loads, with aliases normalised and environment values as text", async (t) => {
  const config = await load(t, { "jaffle.hcl": FULL });
  assert.deepEqual(config.kernel, {
    node: { pass_env: [], env: {} },
    py: { kernel_name: "python3", pass_env: ["PATH", "HOME"], env: { DEBUG: "1", MODE: "dev", ON: "true" } },
  });
  assert.deepEqual(config.app.watch, {
    class: "jaffle.app.watchdog.WatchdogApp",
    kernel: "node",
    disabled: false,
    depends_on: [],
    logger: { level: "debug", suppress_regex: ["^$"], replace_regex: [{ from: "a", to: "b" }], name: "watcher" },
    options: {
      handlers: [
        {
          watch_path: "src",
          patterns: ["*.ts"],
          ignore_patterns: ["*/node_modules/*"],
          ignore_directories: true,
          case_sensitive: true,
          throttle: 0.5,
          debounce: 0.2,
          code_blocks: ["web.handle_watchdog_event({event})"],
          jobs: ["build"],
          apps: ["web"],
          clear_cache: ["src"],
        },
      ],
    },
  });
  assert.deepEqual(config.app.web, {
    class: "ServerBridgeApp",
    kernel: "node",
    start: "web.start()",
    options: {
      app_class: "./server.ts#Server",
      argv: ["--port=3000"],
      threaded: true,
      clear_cache: ["./src"],
      ready_url: "http://127.0.0.1:3000/",
    },
    ready: { url: "http://127.0.0.1:3000/health", port: 3000, log_regex: "listening", timeout: 30 },
    logger: noLogger,
    disabled: false,
    depends_on: [],
  });
  assert.deepEqual(config.app.plugin!.options, { anything: { goes: [1, "two"] } });
  assert.deepEqual(config.process.api, {
    command: "node api.js",
    tty: true,
    cwd: "api",
    disabled: true,
    restart: "on-failure",
    max_restarts: 3,
    restart_window: 2.5,
    stop_timeout: 5,
    env: { PORT: "4000" },
    logger: { level: "warning", suppress_regex: [], replace_regex: [] },
    ready: { port: 4000 },
    depends_on: [],
    keep_blank_lines: true,
  });
  assert.deepEqual(config.job.build, {
    command: "npm run build",
    cwd: "web",
    tty: true,
    env: { CI: "1" },
    logger: { name: "builder", suppress_regex: [], replace_regex: [] },
    keep_blank_lines: true,
  });
  assert.deepEqual(config.logger, {
    level: "info",
    suppress_regex: ["noise"],
    replace_regex: [{ from: "(?P<word>w+)", to: "\\g<word>" }],
  });
  assert.deepEqual(config.variable, {});
});

test("defaults fill every field of the resolved configuration", async (t) => {
  const config = await load(t, {
    "jaffle.hcl":
      'kernel "k" {}\napp "w" {\n  class = "WatchdogApp"\n  kernel = "k"\n  options { handlers = [{}] }\n}\napp "b" {\n  class = "TornadoBridgeApp"\n  kernel = "k"\n  options { app_class = "m.App" }\n}\nprocess "p" { command = "x" }\njob "j" { command = "y" }\n',
  });
  assert.deepEqual(config.app.w!.options, {
    handlers: [
      {
        watch_path: ".",
        patterns: ["*"],
        ignore_patterns: [],
        ignore_directories: false,
        case_sensitive: false,
        throttle: 0,
        debounce: 0,
        code_blocks: [],
        jobs: [],
        apps: [],
        clear_cache: [],
      },
    ],
  });
  assert.deepEqual(config.app.w!.logger, noLogger);
  assert.equal(config.app.w!.disabled, false);
  assert.deepEqual(config.app.b!.options, { app_class: "m.App", argv: [], threaded: false });
  assert.deepEqual(config.process.p, {
    command: "x",
    tty: false,
    env: {},
    logger: noLogger,
    disabled: false,
    depends_on: [],
    restart: "never",
    max_restarts: 5,
    restart_window: 10,
    stop_timeout: 5,
    keep_blank_lines: false,
  });
  assert.deepEqual(config.job.j, { command: "y", env: {}, tty: false, logger: noLogger, keep_blank_lines: false });
  assert.deepEqual(config.logger, noLogger);
  assert.deepEqual(Object.keys(config), ["variable", "kernel", "app", "process", "job", "logger"]);
});

test("an empty configuration is valid and has every top-level key", async (t) => {
  const config = await load(t, { "jaffle.hcl": "" });
  assert.deepEqual(config, { variable: {}, kernel: {}, app: {}, process: {}, job: {}, logger: noLogger });
});

test("alias and name of one option together are an error", async (t) => {
  const errors = await loadErrors(t, {
    "jaffle.hcl":
      'kernel "k" {}\napp "w" {\n  class = "WatchdogApp"\n  kernel = "k"\n  options {\n    handlers = [{ functions = ["a"], code_blocks = ["b"] }]\n  }\n}\n',
  });
  assert.deepEqual(errors, [
    'jaffle.hcl:6:38: app "w" options handlers[0]: "code_blocks" and "functions" are the same option; give only one',
  ]);
});
