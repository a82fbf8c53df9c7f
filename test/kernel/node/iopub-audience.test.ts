/**
 * IopubAudience on its own: which shell requests wait for an iopub subscriber, and that a
 * wait that ran out is paid once, not by every request of a client that never subscribes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IopubAudience } from "../../../src/kernel/node/iopub-audience.js";

const subscribe = (topic = "") => Buffer.concat([Buffer.from([1]), Buffer.from(topic)]);
const unsubscribe = (topic = "") => Buffer.concat([Buffer.from([0]), Buffer.from(topic)]);

test("a request waits while nobody subscribes and goes on when a subscriber arrives", async () => {
  const audience = new IopubAudience(60_000);
  const waiting = audience.ready();
  assert.ok(waiting, "nobody listens yet: the request must wait");
  let released = false;
  void waiting.then(() => (released = true));
  await Promise.resolve();
  assert.equal(released, false);
  audience.subscription(subscribe());
  await waiting;
  assert.equal(audience.ready(), undefined, "with a subscriber, requests run at once");
});

test("after the last subscriber leaves, requests wait again; another topic still counts as listening", async () => {
  const audience = new IopubAudience(60_000);
  audience.subscription(subscribe(""));
  audience.subscription(subscribe("kernel."));
  audience.subscription(unsubscribe(""));
  assert.equal(audience.ready(), undefined);
  audience.subscription(unsubscribe("kernel."));
  const waiting = audience.ready();
  assert.ok(waiting);
  audience.subscription(subscribe());
  await waiting;
});

test("a wait that runs out lets later requests through at once, until a subscriber has come and gone", async () => {
  const audience = new IopubAudience(20);
  await audience.ready();
  assert.equal(audience.ready(), undefined, "the shell-only client paid the wait once");
  audience.subscription(subscribe());
  audience.subscription(unsubscribe());
  assert.ok(audience.ready(), "a new client after the last one left is waited for again");
});
