import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { probePort, probeUrl } from "../../src/net/probes.js";
import { LogLineWatch, NotReadyError, waitForCheck } from "../../src/supervisor/readiness.js";
import { RestartBudget } from "../../src/process/restart-timing.js";
import { freePort } from "../helpers/index.js";

function listen(server: Server | ReturnType<typeof createTcpServer>, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

test("a url check passes on 2xx and 3xx only, unless its statuses say otherwise", async (t) => {
  let status = 500;
  const server = createServer((_, res) => res.writeHead(status, { location: "/elsewhere" }).end());
  const port = await listen(server);
  t.after(() => server.close());
  const url = `http://127.0.0.1:${port}/`;
  assert.equal(await probeUrl(url), false);
  // A 404 is what a foreign server on the port answers: not ready.
  status = 404;
  assert.equal(await probeUrl(url), false);
  assert.equal(await probeUrl(url, [200, 204, 404]), true);
  status = 200;
  assert.equal(await probeUrl(url), true);
  assert.equal(await probeUrl(url, [204]), false);
  status = 302;
  assert.equal(await probeUrl(url), true, "a redirect is not followed, and counts as up");
});

test("a port check waits until a server listens", async (t) => {
  const port = await freePort();
  assert.equal(await probePort(port), false);
  const server = createTcpServer();
  t.after(() => server.close());
  const waiting = waitForCheck({ port }, undefined, 30_000, new AbortController().signal);
  setTimeout(() => void listen(server, port), 200);
  await waiting;
  assert.equal(await probePort(port), true);
});

test("a check that does not pass in time names what failed", async () => {
  const port = await freePort();
  await assert.rejects(waitForCheck({ port }, undefined, 300, new AbortController().signal), (error: unknown) => {
    assert.ok(error instanceof NotReadyError);
    assert.equal(error.what, `nothing accepted connections on 127.0.0.1:${port}`);
    return true;
  });
});

test("a log check passes on a line seen before or after the wait began", async () => {
  const early = new LogLineWatch("listening on \\d+");
  early.feed("starting");
  early.feed("listening on 8000");
  await waitForCheck({ log_regex: "x" }, early, 1000, new AbortController().signal);

  const late = new LogLineWatch("^ready$");
  const waiting = waitForCheck({ log_regex: "^ready$" }, late, 30_000, new AbortController().signal);
  late.feed("not ready");
  assert.equal(late.matched, false);
  late.feed("ready");
  await waiting;

  const never = new LogLineWatch("never");
  await assert.rejects(
    waitForCheck({ log_regex: "never" }, never, 200, new AbortController().signal),
    /no log line matched \/never\//,
  );
});

test("aborting the run ends a check's wait", async () => {
  const controller = new AbortController();
  const waiting = waitForCheck({ url: "http://127.0.0.1:1/" }, undefined, 60_000, controller.signal);
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(waiting, NotReadyError);
});

test("the restart budget allows `limit` restarts per window", () => {
  let now = 0;
  const budget = new RestartBudget(3, 1000, () => now);
  assert.equal(budget.take(), true);
  assert.equal(budget.take(), true);
  assert.equal(budget.take(), true);
  assert.equal(budget.take(), false);
  now = 1001;
  assert.equal(budget.take(), true);
  assert.equal(budget.total, 4);
});
