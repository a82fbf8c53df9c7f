/**
 * The test runner app's self-description (`jaffle.app.pytest.PyTestRunnerApp`, also
 * `PyTestRunnerApp`, `TestRunnerApp`), with Jaffle's options: `args`, `auto_test`
 * (globs of files that test themselves), `auto_test_map` (glob -> target template) and
 * `clear_cache` (absent: the project's own packages and modules).
 */
import { schemaParts } from "../../config/schema.js";
import { describeApp } from "../descriptor.js";

const { strings, object, emptyList, emptyMap } = schemaParts;

/** pytest's arguments when `args` is absent, as in Jaffle; node --test gets none. */
export const DEFAULT_PYTEST_ARGS = ["-s", "-v"];

export interface TestRunnerOptions {
  /** undefined: the kernel language's default. */
  args: string[] | undefined;
  autoTest: string[];
  autoTestMap: Record<string, string>;
  clearCache: string[] | undefined;
}

/** What `create_runner` (pytest_runner.py) and `createRunner` (node-runner.ts) are given. */
export interface TestRunnerSetup {
  /** The app's name, also its handle's name in the kernel. */
  name: string;
  args: string[];
  projectDir: string;
  clearCache: string[] | null;
}

export const testRunnerDescriptor = describeApp({
  classNames: ["jaffle.app.pytest.PyTestRunnerApp", "PyTestRunnerApp", "TestRunnerApp"],
  optionsSchema: object({
    args: { schema: strings },
    auto_test: { schema: strings, default: emptyList },
    // A map of glob -> template; the "env" kind is the schema's map of strings.
    auto_test_map: { schema: { kind: "env" }, default: emptyMap },
    clear_cache: { schema: strings },
  }),
  convert: (checked): TestRunnerOptions => ({
    args: checked["args"] as string[] | undefined,
    autoTest: checked["auto_test"] as string[],
    autoTestMap: checked["auto_test_map"] as Record<string, string>,
    clearCache: checked["clear_cache"] as string[] | undefined,
  }),
  load: async () => (await import("./index.js")).TestRunnerApp,
  shell: true,
});
