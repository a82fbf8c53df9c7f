# The first seed document's wish: a live Tornado server in the background of a Python
# kernel that stays interactive. The server has its own IOLoop thread (threaded = true),
# so code in the kernel, typed in `jaffle console py_kernel` or any Jupyter client,
# can inspect the application object and make blocking HTTP requests to it.
#
#   node ../../bin/jaffle.js start      (in this repository)
#   npx jaffle start                    (once jaffle is installed)

kernel "py_kernel" {
  kernel_name = "python3"
}

app "server" {
  class  = "jaffle.app.tornado.TornadoBridgeApp"
  kernel = "py_kernel"
  start  = "server.start()"

  options {
    app_class   = "background_server.app.InteractiveApp"
    argv        = ["--port=8888"]
    threaded    = true
    clear_cache = ["background_server"]
  }

  ready {
    url = "http://127.0.0.1:8888/"
  }
}

app "watchdog" {
  class  = "jaffle.app.watchdog.WatchdogApp"
  kernel = "py_kernel"

  options {
    handlers = [
      {
        patterns           = ["*/background_server/*.py"]
        ignore_directories = true
        code_blocks        = ["server.handle_watchdog_event({event})"]
      },
    ]
  }
}
