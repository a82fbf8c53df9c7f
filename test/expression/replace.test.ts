import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, compileRegex, compileReplaceRule, initExpressionEngine } from "../../src/config/index.js";
import { expandReplacement, parseReplacement } from "../../src/expression/replace.js";
import { load } from "../config/support.js";

const ESC = "\x1b";

before(async () => {
  await initExpressionEngine();
});

function groupsOf(regex: RegExp, text: string) {
  const match = regex.exec(text)!;
  return { groups: [...match], named: { ...(match.groups ?? {}) } };
}

test("Python replacement syntax: groups by number and name, escapes, octal", () => {
  const match = groupsOf(/(?<key>\w+)=(\w+)/, "port=8080");
  assert.equal(expandReplacement("\\2:\\1", match), "8080:port");
  assert.equal(expandReplacement("\\g<key>/\\g<2>/\\g<0>", match), "port/8080/port=8080");
  assert.equal(expandReplacement("a\\nb\\tc\\\\d", match), "a\nb\tc\\d");
  assert.equal(expandReplacement("\\033[32m\\1\\033[0m", match), `${ESC}[32mport${ESC}[0m`);
  assert.equal(expandReplacement("\\0", match), "\0");
  assert.equal(expandReplacement("\\10", groupsOf(/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)/, "abcdefghij")), "j");
  assert.equal(expandReplacement("100% \\. done", match), "100% \\. done");
});

test("bad replacement templates are errors, as in Python", () => {
  assert.throws(() => parseReplacement("\\q"), /bad escape \\q/);
  assert.throws(() => parseReplacement("\\g<1"), /missing group name/);
  assert.throws(() => parseReplacement("\\g<a-b>"), /bad character in group name/);
  assert.throws(() => expandReplacement("\\3", groupsOf(/(a)/, "a")), /invalid group reference 3/);
  assert.throws(() => expandReplacement("\\g<nope>", groupsOf(/(a)/, "a")), /unknown group name/);
});

test("Jaffle's colouring rule: octal escapes and back-references", () => {
  const rule = compileReplaceRule({ from: "^([12]\\d{2}) ", to: "\\033[32m\\1\\033[0m " });
  assert.equal(rule("200 GET / 1.2ms"), `${ESC}[32m200${ESC}[0m GET / 1.2ms`);
  assert.equal(rule("404 GET /x"), "404 GET /x");
});

test("every match in a line is replaced; Python named groups and inline flags work", () => {
  const rule = compileReplaceRule({ from: "(?i)(?P<word>error)", to: "[\\g<word>]" });
  assert.equal(rule("Error then ERROR"), "[Error] then [ERROR]");
  const again = compileReplaceRule({ from: "(?P<d>\\d)(?P=d)", to: "<\\g<d>>" });
  assert.equal(again("11 12 33"), "<1> 12 <3>");
  assert.equal(rule("calm"), "calm");
});

test("a `to` template is rendered per match: \\1 in function arguments is the captured text", () => {
  const rule = compileReplaceRule({
    from: "^request: (.*)$",
    to: "example: ${fg('yellow')}${jqf('.Host', '\\1')}${reset()}",
  });
  assert.equal(rule(`request: {'Host': 'example.com', 'Port': 80}`), `example: ${ESC}[33m"example.com"${ESC}[0m`);
  assert.equal(rule(`request: {"Host": "a.test"}`), `example: ${ESC}[33m"a.test"${ESC}[0m`);
  const clear = compileReplaceRule({ from: "^  clear: (.*)", to: "  clear: ${fg('blue')}\\1${reset()}" });
  assert.equal(clear("  clear: my_module"), `  clear: ${ESC}[34mmy_module${ESC}[0m`);
});

test("the HCL form of a template rule, loaded by loadConfig, works unrendered", async (t) => {
  const config = await load(t, {
    "a.hcl": `logger {\n  replace_regex = [{\n    from = "^(\\\\S+) says (.*)$"\n    to   = "\${fg('red')}\\\\1\${reset()}: \${jq_all('.[]', '\\\\2') | h}"\n  }]\n}\n`,
  });
  const [stored] = config.logger.replace_regex;
  assert.equal(stored!.to, "${fg('red')}\\1${reset()}: ${jq_all('.[]', '\\2') | h}");
  const rule = compileReplaceRule(stored!);
  assert.equal(rule('bob says ["<a>", 2]'), `${ESC}[31mbob${ESC}[0m: [&#34;&lt;a&gt;&#34;, 2]`);
});

test("variables and filters are available in templates; jq failures show in the line as in Jaffle", () => {
  const rule = compileReplaceRule({ from: "(\\w+)", to: "${var.prefix}-\\1" }, { variables: { prefix: "p" } });
  assert.equal(rule("a b"), "p-a p-b");
  const broken = compileReplaceRule({ from: "data=(.*)", to: "${jqf('.[', '\\1')}" });
  assert.match(broken("data=[1]"), /^jq error: jq: error: syntax error.* query: '\.\[' str: '\[1\]'$/);
  const failing = compileReplaceRule({ from: "x", to: "${exec('exit 1')}" });
  assert.equal(failing("axb"), "axb", "a failing expression leaves the match as it was");
});

test("the per-line call is synchronous and keeps working over many lines", () => {
  const rule = compileReplaceRule({ from: "^(.*)$", to: "${jqf('.n', '\\1')}" });
  for (let n = 0; n < 600; n++) assert.equal(rule(`{"n": ${n}}`), String(n));
});

test("a bad regular expression or template is a ConfigError naming the rule", () => {
  assert.throws(
    () => compileReplaceRule({ from: "(", to: "x" }),
    (error: unknown) =>
      error instanceof ConfigError && /rule "\(" → "x": invalid regular expression/.test(error.message),
  );
  assert.throws(
    () => compileReplaceRule({ from: "a", to: "${fg(}" }),
    (error: unknown) => error instanceof ConfigError && /invalid replacement/.test(error.message),
  );
  assert.throws(
    () => compileReplaceRule({ from: "a", to: "\\q" }),
    (error: unknown) => error instanceof ConfigError && /bad escape \\q/.test(error.message),
  );
  assert.throws(() => compileRegex("(?x)a"), /not supported/);
});
