import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinApps, builtinDescriptor } from "../../src/apps/catalog.js";
import { dialectFor } from "../../src/apps/dialect/index.js";
import { parseModuleRef } from "../../src/apps/module-ref.js";
import { watchdogDescriptor } from "../../src/apps/watchdog/descriptor.js";
import { schemaAt } from "../../src/config/schema.js";

test("each built-in app is found under each of its names, with its options schema", () => {
  for (const name of ["jaffle.app.watchdog.WatchdogApp", "WatchdogApp"])
    assert.equal(builtinDescriptor(name), watchdogDescriptor);
  assert.ok(builtinApps.optionsSchema("TornadoBridgeApp")?.fields["app_class"]);
  assert.equal(builtinApps.optionsSchema("my_module.app.ExampleApp"), undefined);
});

test('options given in code are checked by the same schema as a file: no "1" for true', () => {
  const [handler] = watchdogDescriptor.parseOptions({ handlers: [{ patterns: ["*.py"], throttle: 0.5 }] }, "w");
  assert.equal(handler?.throttleMs, 500);
  assert.deepEqual(handler?.ignorePatterns, []);
  assert.throws(
    () => watchdogDescriptor.parseOptions({ handlers: [{ case_sensitive: "1" }] }, "w"),
    /^OptionsError: app "w" options handlers\[0\] case_sensitive: expected true or false, found the string "1"$/,
  );
});

test("module#Export is parsed in one place", () => {
  assert.deepEqual(parseModuleRef("./src/app.ts#ExampleApp"), {
    module: "./src/app.ts",
    exportName: "ExampleApp",
    isPath: true,
  });
  assert.deepEqual(parseModuleRef("pkg"), { module: "pkg", exportName: "default", isPath: false });
  assert.throws(() => parseModuleRef("./x.ts#"), /no export name after "#"/);
});

test("interpolation asks the schema which strings are replacement templates", () => {
  assert.equal(schemaAt(["app", "web", "logger", "replace_regex", "0", "to"])?.kind, "replacement");
  assert.equal(schemaAt(["logger", "replace_regex", "3", "to"])?.kind, "replacement");
  assert.equal(schemaAt(["process", "p", "command"])?.kind, "string");
  assert.equal(schemaAt(["app", "web", "options", "to"]), undefined);
});

test("each dialect writes one-line calls in its language", () => {
  assert.equal(dialectFor("python3").callHandle("web", "_jaffle", ["start"]), 'web._jaffle("start")');
  assert.equal(dialectFor("javascript").callHandle("web", "_jaffle", ["start"]), 'await web._jaffle("start");');
  assert.match(dialectFor("python").clearModuleCache(["pkg"], "/p"), /\.clear_module_cache\(\["pkg"\]\)$/);
  assert.equal(dialectFor("python").literal({ a: true }), '{"a": True}');
});
