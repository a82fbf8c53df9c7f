"""jaffle's helpers inside a Python kernel, loaded by path as the module ``jaffle_kernel``
(see python.ts). The supervisor sends one-line calls into this module; the logic lives
here, as real Python, instead of in code strings built on the TypeScript side."""

import importlib
import importlib.util
import os
import sys
import traceback

# jaffle's own kernel-side files (src/ of the package): their frames are internal, also
# when the project is jaffle's own checkout.
_JAFFLE_SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "")
# The type under which a FailureReport's bundle carries it (dialect/failure.ts says the same).
FAILURE_MIME = "application/vnd.jaffle.failure+json"


def load_module(name, path):
    """The module ``name`` executed from ``path``, once per kernel (kept in sys.modules)."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module


def find_project_modules(project_dir):
    """Jaffle's default clear_cache: the packages under the project directory (what
    setuptools.find_packages() returns at the top level), plus top-level modules."""
    names = []
    try:
        entries = sorted(os.listdir(project_dir))
    except OSError:
        return names
    for entry in entries:
        path = os.path.join(project_dir, entry)
        if entry.startswith(".") or entry == "__pycache__":
            continue
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "__init__.py")):
            names.append(entry)
        elif entry.endswith(".py") and os.path.isfile(path):
            names.append(entry[:-3])
    return names


def clear_module_cache(names):
    """Removes the modules NAME and NAME.* from sys.modules, and their bytecode files:
    a .pyc records its source's mtime in whole seconds and its size, so a save within
    the same second that keeps the size (GREETING = "v1" -> "v2") would otherwise import
    the stale bytecode. Returns the names removed."""
    removed = [m for m in list(sys.modules) if any(m == n or m.startswith(n + ".") for n in names)]
    for m in removed:
        module = sys.modules.pop(m, None)
        cached = getattr(module, "__cached__", None)
        if cached:
            try:
                os.remove(cached)
            except OSError:
                pass
    importlib.invalidate_caches()
    return removed


def import_class(dotted, what="class"):
    """``package.module.ClassName`` imported."""
    module_name, _, class_name = dotted.rpartition(".")
    if not module_name:
        raise ImportError("%s %r must be a dotted path: package.module.ClassName" % (what, dotted))
    module = importlib.import_module(module_name)
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise ImportError("module %r has no attribute %r" % (module_name, class_name)) from None


def create_app(class_name, conf):
    """A Jaffle in-kernel app: the class created with its configuration, as Jaffle did."""
    return import_class(class_name)(conf)


def is_user_file(filename, project_dir):
    """A file of the project's own: not jaffle's runtime, importlib, IPython's cells or
    another package."""
    if not filename or filename.startswith("<"):
        return False
    path = os.path.abspath(filename)
    root = os.path.join(os.path.abspath(project_dir), "")
    if not path.startswith(root) or "site-packages" in path or "dist-packages" in path:
        return False
    return not path.startswith(_JAFFLE_SRC)


def describe_failure(error, project_dir):
    """(reason, report, details) for an exception: the reason is one line, the error and
    the user's file:line; the report adds the user's own frames and folds the others
    (IPython's cell wrappers, importlib, tornado, jaffle's runtime) into one line; the
    details are the whole traceback."""
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    frames = traceback.extract_tb(error.__traceback__)
    user = [frame for frame in frames if is_user_file(frame.filename, project_dir)]
    rel = lambda name: os.path.relpath(name, project_dir)
    where = None
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        # The file that could not be compiled is the place, not the import that read it.
        if is_user_file(error.filename, project_dir):
            where = "%s:%s" % (rel(error.filename), error.lineno)
        elif not os.path.isabs(error.filename):
            where = "%s:%s" % (error.filename, error.lineno)
        message = error.msg
    else:
        message = str(error)
        if user:
            where = "%s:%s" % (rel(user[-1].filename), user[-1].lineno)
    headline = "%s: %s" % (type(error).__name__, message) if message else type(error).__name__
    reason = "%s (%s)" % (headline, where) if where else headline
    lines = [reason]
    for frame in user:
        lines.append('  File "%s", line %s, in %s' % (rel(frame.filename), frame.lineno, frame.name))
        if frame.line:
            lines.append("    " + frame.line.strip())
    hidden = len(frames) - len(user)
    if hidden > 0:
        lines.append("  (%d internal frame%s hidden; --debug shows them)" % (hidden, "" if hidden == 1 else "s"))
    return reason, "\n".join(lines), details


class FailureReport:
    """A described failure as a cell's value: IPython puts _repr_mimebundle_ in the
    execute_result, so the supervisor reads it typed instead of parsing a traceback."""

    def __init__(self, reason, report, details):
        self.reason = reason
        self.report = report
        self.details = details

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"reason": self.reason, "report": self.report, "details": self.details}
        return {FAILURE_MIME: data, "text/plain": self.reason}

    def __repr__(self):
        return "<failure %s>" % self.reason


def describe_last_error(project_dir, ename, evalue):
    """The error the last failed cell raised (IPython keeps it as sys.last_value), as
    describe_failure tells it; None when the last error is not the one named (another
    cell failed in between)."""
    error = getattr(sys, "last_value", None)
    if error is None or type(error).__name__ != ename or str(error) != evalue:
        return None
    return FailureReport(*describe_failure(error, project_dir))
