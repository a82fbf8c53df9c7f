"""The Tornado application of Jaffle's tornado_spa example, in the traitlets convention
of Jaffle's documentation: a ``traitlets.config.Application`` with ``port`` and
``address`` traits and ``aliases``, so ``argv = ["--port=9999"]`` configures it. The
bridge creates it as ``ExampleApp()``, sets ``app.log`` to a logger feeding this app's
log lines, calls ``app.initialize(argv)`` and then ``start()``, whose IOLoop comes from
``IOLoop.current()``; ``stop()`` stops it from a callback."""

from tornado import httpserver, ioloop, web
from traitlets import Integer, Unicode
from traitlets.config import Application

from my_module.greeting import GREETING


class MainHandler(web.RequestHandler):
    def get(self):
        self.write(GREETING + "\n")


class ExampleApp(Application):
    name = "example-app"
    port = Integer(9999, help="port to listen on").tag(config=True)
    address = Unicode("127.0.0.1", help="address to listen on").tag(config=True)
    aliases = {"port": "ExampleApp.port", "address": "ExampleApp.address"}

    def initialize(self, argv=None):
        super().initialize(argv)
        self.web_app = web.Application([(r"/", MainHandler)])

    def start(self):
        self.http_server = httpserver.HTTPServer(self.web_app)
        self.http_server.listen(self.port, self.address)
        self.log.info("ExampleApp serving on http://%s:%d/", self.address, self.port)
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
