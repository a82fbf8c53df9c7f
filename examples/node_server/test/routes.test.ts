import assert from "node:assert/strict";
import { test } from "node:test";
import { route } from "../src/routes.js";

test("/ answers with the greeting", () => {
  const reply = route("/", new Date());
  assert.equal(reply.status, 200);
  assert.match(reply.body, /\S/);
});

test("unknown paths are 404", () => {
  assert.equal(route("/nope", new Date()).status, 404);
});
