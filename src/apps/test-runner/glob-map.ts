/**
 * Jaffle's test-target mapping (`auto_test`, `auto_test_map` of PyTestRunnerApp): a
 * glob over the changed file's project-relative path whose wildcards capture what they
 * match, and a target template whose `{}` slots take the captures in order:
 *   `**` (and `** /` written without the space) any depth, `*` one path segment, `?` one
 *   character of a segment; the result has `//` collapsed to `/`, so a `** /` that
 *   matched no directory leaves no empty segment.
 *   "pkg/** /*.py" = "pkg/tests/{}/test_{}.py":  pkg/a/b/mod.py -> pkg/tests/a/b/test_mod.py
 */

export interface CapturingGlob {
  readonly glob: string;
  /** Captures of each wildcard, in order, or undefined when the path does not match. */
  match(path: string): string[] | undefined;
}

const escape = (char: string) => char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function capturingGlob(glob: string): CapturingGlob {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    if (char === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      // `**/`: zero or more whole directories, slash included; `**`: anything.
      source += slash ? "((?:[^/]*/)*)" : "(.*)";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "([^/]*)";
    else if (char === "?") source += "([^/])";
    else source += escape(char);
  }
  const regex = new RegExp(`^${source}$`);
  return {
    glob,
    match: (path) => {
      const found = regex.exec(path.replaceAll("\\", "/").replace(/^\.\//, ""));
      return found ? found.slice(1).map((capture) => capture ?? "") : undefined;
    },
  };
}

/** Fills the `{}` slots in order with the captures, then collapses `//` to `/`. */
export function fillTemplate(template: string, captures: readonly string[]): string {
  let next = 0;
  const filled = template.replace(/\{\}/g, () => captures[next++] ?? "");
  return filled.replace(/\/{2,}/g, "/");
}

export interface TargetRule {
  glob: CapturingGlob;
  /** undefined: the changed file is its own target (`auto_test`). */
  template: string | undefined;
}

export function targetRules(autoTest: readonly string[], autoTestMap: Readonly<Record<string, string>>): TargetRule[] {
  return [
    ...autoTest.map((glob) => ({ glob: capturingGlob(glob), template: undefined })),
    ...Object.entries(autoTestMap).map(([glob, template]) => ({ glob: capturingGlob(glob), template })),
  ];
}

/** Every target a changed path maps to, each once, in rule order. */
export function targetsFor(path: string, rules: readonly TargetRule[]): string[] {
  const targets: string[] = [];
  for (const rule of rules) {
    const captures = rule.glob.match(path);
    if (!captures) continue;
    const target = rule.template === undefined ? path.replace(/^\.\//, "") : fillTemplate(rule.template, captures);
    if (!targets.includes(target)) targets.push(target);
  }
  return targets;
}
