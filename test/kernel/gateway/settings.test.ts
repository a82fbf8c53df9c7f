/**
 * Which server a kernel block uses: its own gateway block, the root block, then
 * JUPYTER_GATEWAY_URL / JUPYTER_GATEWAY_AUTH_TOKEN; and URLs that must be refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { baseUrl, isInsecure, resolveGateway } from "../../../src/kernel/gateway/settings.js";

const env = { JUPYTER_GATEWAY_URL: "http://env.example:8888", JUPYTER_GATEWAY_AUTH_TOKEN: "env-token" };

test("a kernel's own block wins option by option over the root block, which wins over the environment", () => {
  const root = { url: "https://root.example/base", token: "root-token", path: "root/path", env: { A: "1" } };
  const own = { token: "own-token", env: { B: "2" } };
  const settings = resolveGateway(own, root, true, env)!;
  assert.equal(settings.baseUrl.href, "https://root.example/base/");
  assert.equal(settings.token, "own-token");
  assert.equal(settings.path, "root/path");
  assert.deepEqual(settings.env, { B: "2" });

  const fromEnv = resolveGateway(undefined, undefined, true, env)!;
  assert.equal(fromEnv.baseUrl.href, "http://env.example:8888/");
  assert.equal(fromEnv.token, "env-token");
  assert.equal(resolveGateway({ url: "https://own.example" }, undefined, true, env)!.token, "env-token");
});

test("without any gateway, and for the built-in Node kernel under a root block, the kernel is local", () => {
  assert.equal(resolveGateway(undefined, undefined, true, {}), undefined);
  assert.equal(resolveGateway(undefined, { url: "https://root.example" }, false, env), undefined);
  assert.ok(resolveGateway({ url: "https://own.example" }, undefined, false, {}));
});

test("URLs with credentials or another scheme are refused; plain http to another host is insecure", () => {
  assert.throws(() => baseUrl("https://me:secret@host.example"), /must not hold credentials/);
  assert.throws(() => baseUrl("ftp://host.example"), /must be http:\/\/ or https:\/\//);
  assert.throws(() => baseUrl("not a url"), /is not a URL/);
  assert.equal(baseUrl("http://h.example:1/x?token=abc#y").href, "http://h.example:1/x/");
  const settings = (url: string) => ({ baseUrl: baseUrl(url), env: {} });
  assert.equal(isInsecure(settings("http://gpu.example:8888")), true);
  assert.equal(isInsecure(settings("https://gpu.example:8888")), false);
  assert.equal(isInsecure(settings("http://127.0.0.1:8888")), false);
  assert.equal(isInsecure(settings("http://localhost:8888")), false);
  assert.equal(isInsecure(settings("http://[::1]:8888")), false);
});
