"""The test runner app's runtime inside a Python kernel (Jaffle's PyTestRunnerApp).
jaffle loads it by path as ``jaffle_pytest_runner`` and publishes
``NAME = create_runner({...})`` under the app's name (see test-runner/index.ts).

pytest runs in the kernel itself (``pytest.main(args + targets)``) after the modules of
``clear_cache`` are evicted from sys.modules, so each run tests the code as saved now.
Its output goes to the kernel's stdout and stderr, which jaffle logs as this app's lines.

    NAME.test("tests/test_x.py::test_one")    run a target by hand (prints its summary)
    NAME.collect_test_items()                 the test ids pytest collects
"""

import json
import os
import sys
import time

import jaffle_kernel


class RunSummary(dict):
    """Counts of one run; its repr is JSON, so the supervisor reads it from the cell's result."""

    def __repr__(self):
        return json.dumps(self)


ORDER = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def summary_line(summary):
    parts = ["%d %s" % (summary[key], key) for key in ORDER if summary.get(key)]
    return "%s in %.2f s" % (", ".join(parts) or "no tests ran", summary["seconds"])


class _WholeLines:
    """A stream that passes on whole lines only. pytest -v writes a test's id, flushes,
    and writes PASSED later; each flush would otherwise become a log line of its own."""

    def __init__(self, stream):
        self._stream = stream
        self._pending = ""

    def write(self, text):
        self._pending += text
        head, newline, self._pending = self._pending.rpartition("\n")
        if newline:
            self._stream.write(head + newline)
        return len(text)

    def flush(self):
        pass

    def finish(self):
        if self._pending:
            self._stream.write(self._pending + "\n")
            self._pending = ""
        self._stream.flush()

    def isatty(self):
        return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Recorder:
    """A pytest plugin counting outcomes as pytest's own summary does, and collected ids."""

    def __init__(self):
        self.counts = {key: 0 for key in ORDER}
        self.items = []

    def pytest_collection_modifyitems(self, items):
        self.items.extend(item.nodeid for item in items)

    def pytest_collectreport(self, report):
        if report.failed:
            self.counts["error"] += 1

    def pytest_runtest_logreport(self, report):
        xfail = hasattr(report, "wasxfail")
        if report.when == "call":
            if xfail:
                self.counts["xpassed" if report.passed else "xfailed"] += 1
            else:
                self.counts[report.outcome] += 1
        elif report.failed:
            self.counts["error"] += 1
        elif report.skipped:
            self.counts["xfailed" if xfail else "skipped"] += 1


class TestRunner:
    def __init__(self, name, args, clear_cache, project_dir):
        self.name = name
        self.args = list(args)
        self.project_dir = project_dir or os.getcwd()
        self.clear_cache = list(clear_cache) if clear_cache is not None else jaffle_kernel.find_project_modules(self.project_dir)
        self.last_summary = None
        if self.project_dir not in sys.path:
            sys.path.insert(0, self.project_dir)

    def __repr__(self):
        return "<TestRunner %s: pytest %s>" % (self.name, " ".join(self.args))

    def _pytest(self, arguments):
        import pytest

        jaffle_kernel.clear_module_cache(self.clear_cache)
        before = set(sys.modules)
        recorder = _Recorder()
        began = time.perf_counter()
        # No bytecode while testing: a .pyc (pytest's rewritten tests included) records
        # its source's mtime in whole seconds, so a quick second save could run stale code.
        writes_bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        cwd = os.getcwd()
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _WholeLines(sys.stdout), _WholeLines(sys.stderr)
        try:
            os.chdir(self.project_dir)
            exit_code = int(pytest.main(arguments, plugins=[recorder]))
        finally:
            os.chdir(cwd)
            sys.dont_write_bytecode = writes_bytecode
            sys.stdout.finish()
            sys.stderr.finish()
            sys.stdout, sys.stderr = streams
            # Test modules and conftests are imported anew next time, like the code they test.
            root = os.path.join(os.path.abspath(self.project_dir), "")
            for name in set(sys.modules) - before:
                path = getattr(sys.modules.get(name), "__file__", None) or ""
                if os.path.abspath(path).startswith(root):
                    sys.modules.pop(name, None)
        summary = RunSummary(recorder.counts, seconds=time.perf_counter() - began, exit_code=exit_code)
        self.last_summary = summary
        return summary, recorder

    def _jaffle_run(self, targets):
        """For the supervisor: one run over all targets (its output is the app's log)."""
        self._pytest(self.args + list(targets))

    def _jaffle_summary(self):
        """For the supervisor: the last run's counts, as the cell's result (JSON)."""
        return self.last_summary

    def test(self, target=None):
        """Runs one target (``path/test_x.py::test_name``; all tests without one) and
        prints its summary line."""
        summary, _ = self._pytest(self.args + ([target] if target else []))
        print("[%s] %s" % (self.name, summary_line(summary)), flush=True)

    def collect_test_items(self):
        """The ids pytest collects under the project (nothing runs, nothing is printed)."""
        import contextlib
        import io

        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            _, recorder = self._pytest(["--collect-only", "-q", "-p", "no:cacheprovider"])
        return list(recorder.items)


def create_runner(options):
    """``options`` is the TestRunnerSetup object of test-runner/descriptor.ts."""
    return TestRunner(options["name"], options["args"], options.get("clearCache"), options.get("projectDir"))
