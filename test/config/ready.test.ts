/**
 * Bad `ready` blocks are file:line:col config errors: an unparsable url, a `status` that
 * is not a list of HTTP statuses, a port outside 1-65535.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { KERNEL, load, loadErrors } from "./support.js";

test("ready: url, status and port are checked with their positions", async (t) => {
  const errors = await loadErrors(t, {
    "jaffle.hcl": `${KERNEL}process "a" {
  command = "x"
  ready {
    url    = "http://[::1/health"
    status = ["ok", 200]
    port   = 0
  }
}
process "b" {
  command = "x"
  ready {
    status = 200
    port   = 65536
  }
}
process "c" {
  command = "x"
  ready { status = [99, 200.5] }
}
`,
  });
  assert.deepEqual(errors, [
    'jaffle.hcl:5:14: process "a" ready url: "http://[::1/health" is not an http(s) URL',
    'jaffle.hcl:6:15: process "a" ready status[0]: expected a number, found the string "ok"',
    'jaffle.hcl:7:14: process "a" ready port: 0 is out of range (must be between 1 and 65535)',
    'jaffle.hcl:13:14: process "b" ready status: expected a list, found the number 200',
    'jaffle.hcl:14:14: process "b" ready port: 65536 is out of range (must be between 1 and 65535)',
    'jaffle.hcl:19:21: process "c" ready status[0]: 99 is out of range (must be between 100 and 599)',
    'jaffle.hcl:19:25: process "c" ready status[1]: expected a whole number, found 200.5',
  ]);
});

test("ready: a list of statuses is kept as given", async (t) => {
  const config = await load(t, {
    "jaffle.hcl": `${KERNEL}process "a" {
  command = "x"
  ready {
    url    = "http://127.0.0.1:8080/health"
    status = [200, 204, 404]
  }
}
`,
  });
  assert.deepEqual(config.process.a!.ready, { url: "http://127.0.0.1:8080/health", status: [200, 204, 404] });
});
