/**
 * Runs in its own process (node --test isolates files): jq is loaded by loadConfig itself
 * when a replace rule needs it, so the log hub can compile and run rules right away.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileReplaceRule } from "../../src/config/index.js";
import { jqReady, stopJq } from "../../src/expression/jq.js";
import { load } from "./support.js";
import { nth } from "../helpers/index.js";

test("jq is loaded only when needed, and then by loadConfig for replace rules", async (t) => {
  t.after(() => stopJq());
  await load(t, { "a.hcl": 'logger {\n  replace_regex = [{ from = "x", to = "y" }]\n}\n' });
  assert.equal(jqReady(), false, "no jq for a configuration that does not use it");
  const config = await load(t, {
    "a.hcl": "logger {\n  replace_regex = [{ from = \"^(.*)$\", to = \"${jqf('.a', '\\\\1')}\" }]\n}\n",
  });
  assert.equal(jqReady(), true);
  const rule = compileReplaceRule(nth(config.logger.replace_regex, 0));
  assert.equal(rule('{"a": [1]}'), "[1]");
});
