# The configuration of Jaffle's TornadoBridgeApp documentation, unchanged apart from
# the kernel block: a Tornado application running in a Python (ipykernel) kernel, in its
# own IOLoop thread, restarted by the watchdog whenever a .py file changes.
#
#   node ../../bin/jaffle.js start      (in this repository)
#   npx jaffle start                    (once jaffle is installed)

kernel "py_kernel" {
  kernel_name = "python3"
}

app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py_kernel"

  options {
    handlers = [
      {
        patterns           = ["*.py"]
        ignore_directories = true
        functions          = ["tornado_app.handle_watchdog_event({event})"]
      },
    ]
  }
}

app "tornado_app" {
  class  = "jaffle.app.tornado.TornadoBridgeApp"
  kernel = "py_kernel"
  start  = "tornado_app.start()"

  logger {
    level = "info",
  }

  options {
    app_class          = "my_module.app.ExampleApp"
    argv               = ["--port=9999"]
    threaded           = true
    clear_cache = ["my_module"]
  }
}
