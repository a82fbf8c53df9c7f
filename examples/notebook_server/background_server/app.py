"""A Tornado server that lives in the background of an interactive Python kernel.

Clients POST results to /results; the application object keeps them, and a person in
the kernel (`jaffle console py_kernel`, or any Jupyter client) can read them, wait for
them, or call the server over HTTP, while it keeps serving in its own thread.
"""

import json
import threading

from tornado import httpserver, ioloop, web
from tornado.options import OptionParser


class ResultsHandler(web.RequestHandler):
    def get(self):
        self.set_header("content-type", "application/json")
        self.write(json.dumps({"results": self.application.results}))

    def post(self):
        self.application.add_result(self.request.body.decode("utf-8"))
        self.set_status(201)
        self.write("stored\n")


class HelloHandler(web.RequestHandler):
    def get(self):
        self.write("Hello from the background of a kernel\n")


class InteractiveApp(web.Application):
    def __init__(self, argv):
        options = OptionParser()
        options.define("port", default=8888, type=int)
        options.define("address", default="127.0.0.1")
        options.parse_command_line(["InteractiveApp"] + list(argv), final=False)
        self.port = options.port
        self.address = options.address
        self.results = []
        self._changed = threading.Condition()
        super().__init__([(r"/", HelloHandler), (r"/results", ResultsHandler)])

    def add_result(self, value):
        with self._changed:
            self.results.append(value)
            self._changed.notify_all()

    def await_results(self, count, timeout=None):
        """Blocks the caller (the kernel) until `count` results arrived; the server,
        on its own thread, keeps accepting them meanwhile."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.results) >= count, timeout)
            return list(self.results)

    def start(self):
        self.http_server = httpserver.HTTPServer(self)
        self.http_server.listen(self.port, self.address)
        self.io_loop = ioloop.IOLoop.current()
        self.io_loop.start()

    def stop(self):
        def _stop():
            self.http_server.stop()
            self.io_loop.stop()

        self.io_loop.add_callback(_stop)
