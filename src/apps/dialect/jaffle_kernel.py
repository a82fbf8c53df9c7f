"""jaffle's helpers inside a Python kernel, loaded by path as the module ``jaffle_kernel``
(see python.ts). The supervisor sends one-line calls into this module; the logic lives
here, as real Python, instead of in code strings built on the TypeScript side."""

import importlib
import importlib.util
import os
import sys


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
