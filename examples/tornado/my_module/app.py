"""The Tornado application of the TornadoBridgeApp documentation (the second seed
document): an Application subclass constructed with argv, whose start() runs the IOLoop
it gets from IOLoop.current() and whose stop() stops it from a callback."""

from tornado import httpserver, ioloop, web
from tornado.options import OptionParser

from my_module.greeting import GREETING


class MainHandler(web.RequestHandler):
    def get(self):
        self.write(GREETING + "\n")


class ExampleApp(web.Application):
    def __init__(self, argv):
        options = OptionParser()
        options.define("port", default=9999, type=int, help="port to listen on")
        options.define("address", default="127.0.0.1", help="address to listen on")
        # OptionParser expects argv[0] to be the program name.
        options.parse_command_line(["ExampleApp"] + list(argv), final=False)
        self.port = options.port
        self.address = options.address
        super().__init__([(r"/", MainHandler)])

    def start(self):
        self.http_server = httpserver.HTTPServer(self)
        self.http_server.listen(self.port, self.address)
        self.io_loop = ioloop.IOLoop.current()
        try:
            self.io_loop.start()
        except KeyboardInterrupt:
            pass

    def stop(self):
        def _stop():
            self.http_server.stop()
            self.io_loop.stop()

        self.io_loop.add_callback(_stop)
