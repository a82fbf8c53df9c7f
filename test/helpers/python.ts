/**
 * Tests that need Python's Jupyter stack (Debian's packages under /usr/bin/python3) ask
 * here, in one place, whether it is installed:
 *
 *   test("...", needsPython("python3-tornado"), async (t) => { ... });
 *   describe("...", needsPython(), () => { ... });
 *
 * Without it the test is skipped with one line naming the Debian package to install, so
 * `npm ci && npm test` passes on a machine that has only Node. With
 * JAFFLE_REQUIRE_PYTHON_TESTS=1 (what .ci/run sets; it installs the packages) nothing is
 * skipped: a missing package fails the file with that same line, and the tests run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

/** Debian's Python, which has ipykernel and jupyter_client (pyenv's python3 may not). */
export const systemPython = "/usr/bin/python3";

/** The Debian packages the tests use, with the Python module that proves each is there. */
const MODULES = {
  python3: "sys",
  "python3-ipykernel": "ipykernel",
  "python3-jupyter-client": "jupyter_client",
  "python3-tornado": "tornado",
  "jupyter-console": "jupyter_console",
  "python3-jupyter-kernel-test": "jupyter_kernel_test",
  "python3-notebook": "notebook",
  "python3-nbclient": "nbclient",
  "python3-pytest": "pytest",
  "python3-traitlets": "traitlets",
} as const;
export type JupyterPackage = keyof typeof MODULES;

/** What a kernel = "python3" block needs: ipykernel (which installs the python3 kernelspec) and jupyter_client. */
const KERNEL_PACKAGES: JupyterPackage[] = ["python3-ipykernel", "python3-jupyter-client"];

export const STRICT_VARIABLE = "JAFFLE_REQUIRE_PYTHON_TESTS";

const installed = new Map<JupyterPackage, boolean>();

/** The packages of `wanted` that are missing, asking Python once per package per process. */
function missingPackages(wanted: JupyterPackage[]): JupyterPackage[] {
  const unknown = wanted.filter((name) => !installed.has(name));
  if (unknown.length > 0) {
    // One interpreter start for all of them: print the modules that fail to import.
    const script = `import importlib\nfor m in ${JSON.stringify(unknown.map((name) => MODULES[name]))}:\n  try: importlib.import_module(m)\n  except Exception: print(m)\n`;
    const run = spawnSync(systemPython, ["-c", script], { encoding: "utf8", timeout: 60_000 });
    // No interpreter at all (ENOENT): python3 itself is what is missing, and all the rest.
    const failed = new Set(run.status === 0 ? run.stdout.split("\n").filter(Boolean) : unknown.map((n) => MODULES[n]));
    for (const name of unknown) installed.set(name, !failed.has(MODULES[name]));
  }
  return wanted.filter((name) => !installed.get(name));
}

/** The failing tests already registered in this file (one per distinct line). */
const reported = new Set<string>();

/**
 * Options for test() or describe(): `{ skip: "<one line>" }` when a package is missing,
 * `{ skip: false }` when all are there. Every call wants a Python kernel (ipykernel,
 * jupyter_client) plus the packages named. Under JAFFLE_REQUIRE_PYTHON_TESTS=1 a missing
 * package is never a skip: the file gets a failing test naming it.
 */
export function needsPython(...extra: JupyterPackage[]): { skip: string | false } {
  return needsPythonPackages(...KERNEL_PACKAGES, ...extra);
}

/** As needsPython(), for exactly the packages named (a jupyter_client script needs no ipykernel). */
export function needsPythonPackages(...packages: JupyterPackage[]): { skip: string | false } {
  const wanted = [...new Set<JupyterPackage>(["python3", ...packages])];
  const missing = missingPackages(wanted);
  if (missing.length === 0) return { skip: false };
  const line = `needs Debian's ${missing.join(", ")} (apt-get install ${missing.join(" ")})`;
  if (process.env[STRICT_VARIABLE] !== "1") return { skip: line };
  if (!reported.has(line)) {
    reported.add(line);
    test(`Python's Jupyter stack is installed (${STRICT_VARIABLE}=1)`, () => assert.fail(line));
  }
  return { skip: false };
}
