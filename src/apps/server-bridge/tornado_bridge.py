"""The server bridge's runtime inside a Python (ipykernel) kernel, as Jaffle's
TornadoBridgeApp did it.

jaffle loads this file by path in the kernel as the module ``jaffle_tornado_bridge``
(after ``jaffle_kernel``, see apps/dialect/), then publishes ``NAME = create_bridge({...})``
under the app's name, so ``start = "tornado_app.start()"``, watchdog code blocks
``tornado_app.handle_watchdog_event({event})`` and a person in ``jaffle console`` reach
the live application: ``NAME.app``, ``NAME.server`` (its HTTPServer), ``NAME.io_loop``.

The application class (``app_class = "my_module.app.ExampleApp"``) is created in one of
Jaffle's two conventions: a class with ``initialize`` (a traitlets ``Application``, such
as Jupyter's NotebookApp) as ``cls()``, then ``app.log`` = a logger feeding this app's
log lines and ``app.initialize(argv)``; any other class as ``cls(argv)``. It must have
``start()`` and ``stop()`` as Jaffle required: ``start()`` gets the loop from
``IOLoop.current()`` and may call ``IOLoop.start()``; ``stop()`` stops the loop from a
callback it adds.

- threaded = True: the application runs on its own IOLoop in its own thread (the answer
  to "a live Tornado server in the background of a notebook": the kernel stays free, and
  code in the kernel can make blocking HTTP requests to the app).
- threaded = False: the application shares the kernel's IOLoop. Its ``IOLoop.current()``
  is a guard whose ``start()`` and ``stop()`` do nothing, so the app can neither block
  the kernel nor stop its loop (Jaffle "protects the main IOLoop").

Every HTTP server the application starts is recorded (``TCPServer.add_sockets`` is
wrapped while the bridge runs the app), so ``stop()`` can close each one, and its open
connections, even if the app's own ``stop()`` forgets to: a restart never meets
EADDRINUSE. A failure is recorded as the bridge's outcome (a one-line reason with the
user's file:line, a report with the user's own frames and the internal ones folded into
one line, the whole traceback), which the supervisor reads as a typed value with
``_jaffle_call`` (its MIME bundle, see outcome.ts) and logs at error; ``NAME.last_error``
shows the report in ``jaffle console``. The public methods return False then, so a broken
save leaves the kernel running and the next event tries again.
"""

import asyncio
import logging
import os
import signal
import sys
import threading
import time
import traceback

import tornado.ioloop
import tornado.tcpserver

# Loaded by path before this module (see apps/dialect/python.ts).
from jaffle_kernel import clear_module_cache, describe_failure, find_project_modules, import_class

_state = threading.local()
# Seconds a threaded app gets to end its thread after stop() before it is abandoned.
STOP_TIMEOUT = 10
_original_add_sockets = getattr(tornado.tcpserver, "_jaffle_original_add_sockets", tornado.tcpserver.TCPServer.add_sockets)
tornado.tcpserver._jaffle_original_add_sockets = _original_add_sockets
_original_current = getattr(tornado.ioloop, "_jaffle_original_current", tornado.ioloop.IOLoop.current)
tornado.ioloop._jaffle_original_current = _original_current


def _recording_add_sockets(server, sockets):
    recorder = getattr(_state, "recorder", None)
    if recorder is not None and server not in recorder:
        recorder.append(server)
    return _original_add_sockets(server, sockets)


tornado.tcpserver.TCPServer.add_sockets = _recording_add_sockets


def _guarded_current(instance=True):
    """IOLoop.current() as the app sees it while the bridge runs it on the kernel's loop."""
    guard = getattr(_state, "guard", None)
    if guard is not None:
        return guard
    return _original_current(instance)


# IOLoop.current is a staticmethod (tornado 5 and 6). The originals are kept on the
# tornado modules so executing this file again never wraps a wrapper.
tornado.ioloop.IOLoop.current = staticmethod(_guarded_current)


class SharedLoopGuard:
    """The kernel's IOLoop as lent to a non-threaded app: start() returns at once (the
    kernel already runs the loop) and stop() is ignored (the kernel's loop must go on).
    While the bridge stops the app, callbacks run at once, so the app's stop callback
    (which closes its server) has run before the new app binds the port."""

    def __init__(self, loop):
        self._loop = loop
        self.run_callbacks_now = False

    def start(self):
        return None

    def stop(self):
        return None

    def close(self, all_fds=False):
        return None

    def add_callback(self, callback, *args, **kwargs):
        if self.run_callbacks_now:
            callback(*args, **kwargs)
        else:
            self._loop.add_callback(callback, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._loop, name)


# The type under which _jaffle_call's value carries the outcome (outcome.ts says the same).
BRIDGE_OUTCOME_MIME = "application/vnd.jaffle.bridge-outcome+json"


class Outcome:
    """How the bridge's last start, stop or restart went, as a cell's value: IPython
    puts _repr_mimebundle_ in the execute_result, so the supervisor reads it typed."""

    def __init__(self, state, reason=None, report=None, details=None):
        self.state = state
        self.reason = reason
        self.report = report
        self.details = details

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"state": self.state}
        for key in ("reason", "report", "details"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return {BRIDGE_OUTCOME_MIME: data, "text/plain": "bridge %s" % self.state}

    def __repr__(self):
        return "<bridge outcome %s%s>" % (self.state, ": " + self.reason if self.reason else "")


class KernelStreamHandler(logging.Handler):
    """Records to the kernel's output streams, which jaffle logs as the app's lines:
    below WARNING to stdout (info lines), the rest to stderr. The streams are looked up
    at each record: ipykernel may swap sys.stdout and sys.stderr."""

    def emit(self, record):
        try:
            stream = sys.stdout if record.levelno < logging.WARNING else sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def app_logger(name):
    """The logger a traitlets application gets as ``app.log``: its records become this
    app's log lines (and not the kernel's stderr, where traitlets would print them)."""
    log = logging.getLogger("jaffle.app.%s" % name)
    if not any(isinstance(h, KernelStreamHandler) for h in log.handlers):
        handler = KernelStreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


class _NoSignalHandlers:
    """While a traitlets application initializes, ``signal.signal`` is a no-op: the
    process is the kernel's, and NotebookApp's SIGINT/SIGTERM handlers would stop the
    kernel's loop (and cannot be installed at all from the bridge's thread)."""

    def __enter__(self):
        self._original = signal.signal
        signal.signal = lambda signalnum, handler: signal.getsignal(signalnum)
        return self

    def __exit__(self, *exc):
        signal.signal = self._original
        return False


def _route_tornado_logs():
    """Tornado's loggers to the kernel's output streams (see KernelStreamHandler)."""

    for child in ("tornado.access", "tornado.application", "tornado.general"):
        logging.getLogger(child).propagate = True
    log = logging.getLogger("tornado")
    # ipykernel gives "tornado" a StreamHandler on the process's own stderr; it would
    # print every line a second time, outside the kernel's output stream.
    for handler in list(log.handlers):
        if type(handler) is logging.StreamHandler and getattr(handler, "stream", None) in (sys.__stderr__, sys.__stdout__):
            log.removeHandler(handler)
    if not any(type(h).__name__ == "KernelStreamHandler" for h in log.handlers):
        handler = KernelStreamHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    # Without this, the root logger's handlers (if any) would print each line twice.
    log.propagate = False


def create_bridge(options):
    """The handle the supervisor publishes: ``options`` is the BridgeSetup object of
    server-bridge/descriptor.ts (the same keys the Node runtime receives)."""
    return TornadoBridge(
        name=options["name"],
        app_class=options["appClass"],
        argv=options.get("argv"),
        threaded=options.get("threaded", False),
        clear_cache=options.get("clearCache"),
        project_dir=options.get("projectDir"),
    )


class TornadoBridge:
    def __init__(self, name, app_class, argv=None, threaded=False, clear_cache=None, project_dir=None):
        self.name = name
        self.app_class = app_class
        self.argv = list(argv or [])
        self.threaded = bool(threaded)
        self.project_dir = project_dir or os.getcwd()
        self.clear_cache = list(clear_cache) if clear_cache is not None else find_project_modules(self.project_dir)
        self.app = None
        self.servers = []
        self.io_loop = None
        self.thread = None
        self.last_error = None
        self.outcome = Outcome("stopped")
        self._guard = None
        self._lock = threading.RLock()
        if self.project_dir not in sys.path:
            sys.path.insert(0, self.project_dir)
        _route_tornado_logs()

    # The live objects a person in `jaffle console` wants.
    @property
    def server(self):
        return self.servers[0] if self.servers else getattr(self.app, "http_server", None)

    @property
    def running(self):
        if self.threaded:
            return self.thread is not None and self.thread.is_alive()
        return self.app is not None

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return "<TornadoBridge %s: %s %s, %s>" % (self.name, self.app_class, "threaded" if self.threaded else "shared loop", state)

    # -- public API ------------------------------------------------------------------
    # start/stop/restart return False on failure (NAME.last_error has the report) and None
    # on success, as Jaffle's did; _jaffle_call(method) returns the Outcome for the
    # supervisor ("status": the last one, running nothing).

    def start(self):
        return self._run("start", self._do_start)

    def stop(self):
        return self._run("stop", self._stop)

    def restart(self):
        """Jaffle's restart: stop, clear the module cache, import again, start. After a
        failed start there is nothing to stop and this just starts."""
        return self._run("restart", self._do_restart)

    def handle_watchdog_event(self, event=None):
        return self.restart()

    def _jaffle_call(self, method):
        actions = {"start": self._do_start, "stop": self._stop, "restart": self._do_restart}
        if method != "status":
            self._run(method, actions[method])
        return self.outcome

    def _run(self, what, action):
        with self._lock:
            try:
                action()
            except Exception as error:
                reason, report, details = describe_failure(error, self.project_dir)
                self.outcome = Outcome("failed", reason, report, details)
                self.last_error = report
                if what != "stop":
                    self._stop_quietly()
                return False
            self.outcome = Outcome("running" if self.running else "stopped")
            self.last_error = None
            return None

    def _do_start(self):
        if self.running:
            return
        began = time.perf_counter()
        self._start()
        print("[%s] started %s %s in %.1f ms" % (self.name, self.app_class, " ".join(self.argv), (time.perf_counter() - began) * 1000), flush=True)

    def _do_restart(self):
        try:
            self._stop()
        except Exception:
            sys.stderr.write("[%s] stop failed (restarting anyway):\n%s" % (self.name, traceback.format_exc()))
            self._stop_quietly()
        clear_module_cache(self.clear_cache)
        self._do_start()

    # -- running the app -------------------------------------------------------------

    def _construct(self):
        """Jaffle's two conventions: a class with ``initialize`` (a traitlets
        Application such as NotebookApp) is created as ``cls()``, given ``app.log`` and
        ``app.initialize(argv)``; any other class is created as ``cls(argv)``."""
        cls = import_class(self.app_class, "app_class")
        if not callable(getattr(cls, "initialize", None)):
            return cls(self.argv)
        app = cls()
        app.log = app_logger(self.name)
        with _NoSignalHandlers():
            app.initialize(list(self.argv))
        return app

    def _start(self):
        if self.threaded:
            self._start_threaded()
        else:
            self._start_shared()

    def _start_shared(self):
        loop = _original_current()
        self.io_loop = loop
        self._guard = SharedLoopGuard(loop)
        _state.guard = self._guard
        self.servers = []
        _state.recorder = self.servers
        try:
            self.app = self._construct()
            self.app.start()
        finally:
            _state.guard = None
            _state.recorder = None

    def _start_threaded(self):
        started = threading.Event()
        outcome = {}

        def run():
            asyncio.set_event_loop(asyncio.new_event_loop())
            loop = _original_current()
            self.io_loop = loop
            recorded = []
            self.servers = recorded
            _state.recorder = recorded
            try:
                app = self._construct()
                self.app = app
                # Runs once the loop turns, i.e. after start() listened and started it.
                loop.add_callback(started.set)
                app.start()
                # An app whose start() only listens: the bridge runs its loop.
                if not outcome.get("stopping"):
                    loop.start()
            except BaseException as error:
                outcome["error"] = error
            finally:
                _state.recorder = None
                started.set()
                # Finish open connections on this loop before closing it, so no request
                # task is destroyed while pending; then close every fd it still holds.
                for server in recorded:
                    closer = getattr(server, "close_all_connections", None)
                    if closer is not None:
                        try:
                            loop.run_sync(closer, timeout=2)
                        except Exception:
                            pass
                try:
                    loop.close(all_fds=True)
                except Exception:
                    pass

        self._outcome = outcome
        self.thread = threading.Thread(target=run, name="jaffle-%s" % self.name, daemon=True)
        self.thread.start()
        started.wait()
        if "error" in outcome:
            self.thread.join()
            self.thread = None
            # Raised here with its own traceback, which start() prints.
            raise outcome["error"]

    def _stop(self):
        app = self.app
        if self.threaded:
            self._stop_threaded(app)
        else:
            self._stop_shared(app)

    def _stop_shared(self, app):
        servers = list(self.servers)
        self.app = None
        self.servers = []
        guard = self._guard
        if guard is not None:
            guard.run_callbacks_now = True
        _state.guard = guard
        try:
            if app is not None and hasattr(app, "stop"):
                app.stop()
        finally:
            _state.guard = None
            if guard is not None:
                guard.run_callbacks_now = False
            # Close the listening sockets now (the port is free when this returns) and
            # the open connections on the loop as soon as this cell ends.
            for server in servers:
                server.stop()
                closer = getattr(server, "close_all_connections", None)
                if closer is not None:
                    asyncio.ensure_future(closer(), loop=self.io_loop.asyncio_loop)

    def _stop_threaded(self, app):
        thread = self.thread
        loop = self.io_loop
        servers = list(self.servers)
        self.app = None
        self.servers = []
        if thread is None:
            return
        self._outcome["stopping"] = True
        if thread.is_alive() and loop is not None:

            def close_servers():
                for server in servers:
                    server.stop()

            loop.add_callback(close_servers)
            if app is not None and hasattr(app, "stop"):
                app.stop()
            # The app's stop() stops its loop from a callback; this makes sure of it for
            # apps that only listened. Closing the loop then closes every open connection.
            loop.add_callback(loop.stop)
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                sys.stderr.write("[%s] the app's thread did not end within %s s of stop(); abandoning it\n" % (self.name, STOP_TIMEOUT))
        self.thread = None

    def _stop_quietly(self):
        try:
            self._stop()
        except Exception:
            pass
