# A TypeScript HTTP server running inside jaffle's built-in Node kernel.
# Save a file under src/ and the server is restarted in place (a few milliseconds);
# the type checker and the test runner app run beside it, all in one log stream.
#
#   node ../../bin/jaffle.js start      (in this repository)
#   npx jaffle start                    (once jaffle is installed in your project)

kernel "node_kernel" {}

app "web" {
  class  = "ServerBridgeApp"
  kernel = "node_kernel"
  start  = "await web.start()"

  options {
    app_class = "./src/app.ts#ExampleApp"
    argv      = ["--port=8080"]
    # true: run the server in a worker thread, a fresh module graph on every restart.
    threaded = false
  }

  ready {
    url = "http://127.0.0.1:8080/health"
  }
}

app "watchdog" {
  class  = "WatchdogApp"
  kernel = "node_kernel"

  options {
    handlers = [
      {
        watch_path         = "src"
        patterns           = ["*.ts"]
        ignore_directories = true
        code_blocks        = ["web.handle_watchdog_event({event})"]
      },
      {
        patterns           = ["*/src/*.ts", "*/test/*.ts"]
        ignore_directories = true
        debounce           = 0.3
        code_blocks        = ["tests.handle_watchdog_event({event})"]
      },
    ]
  }
}

process "typecheck" {
  command = "node ../../node_modules/typescript/bin/tsc --noEmit --watch --preserveWatchOutput -p ."
}

# The test runner app: node:test on the tests a change maps to, in a child of the kernel.
# `jaffle attach tests` opens its shell (a test file per line, Tab completes test ids).
app "tests" {
  class  = "TestRunnerApp"
  kernel = "node_kernel"

  options {
    auto_test     = ["test/*.test.ts"]
    auto_test_map = { "src/**/*.ts" = "test/routes.test.ts" }
  }
}
