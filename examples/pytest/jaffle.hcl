# Jaffle's pytest example: the watchdog sends every saved .py file to the test runner
# app, which runs the tests it maps to in the kernel, with the new code.
#
#   node ../../bin/jaffle.js start      (in this repository)
#   npx jaffle start                    (once jaffle is installed)
#   npx jaffle attach pytest            (a shell running tests by hand, Tab completes ids)

kernel "py_kernel" {
  kernel_name = "python3"
}

app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py_kernel"

  options {
    handlers = [
      {
        watch_path         = "."
        patterns           = ["*.py"]
        ignore_directories = true
        code_blocks        = ["pytest.handle_watchdog_event({event})"]
      },
    ]
  }
}

app "pytest" {
  class  = "jaffle.app.pytest.PyTestRunnerApp"
  kernel = "py_kernel"

  options {
    args      = ["-s", "-v", "--color=yes"]
    auto_test = ["tests/**/test_*.py"]
    auto_test_map = {
      "mylib/**/*.py" = "tests/{}/test_{}.py"
    }
  }
}
