import { before, test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { initExpressionEngine } from "../../src/expression/replace.js";
import type { LoggerConfig } from "../../src/config/types.js";
import { LogHub, PINO_LEVELS, type LogRecord } from "../../src/log/hub.js";
import { nameColor, NAME_WIDTH } from "../../src/log/pretty.js";
import { MemoryOut } from "./support.js";
import { nth } from "../helpers/index.js";

before(async () => {
  await initExpressionEngine();
});

const none: LoggerConfig = { suppress_regex: [], replace_regex: [] };

function hub(options: Partial<ConstructorParameters<typeof LogHub>[0]> = {}) {
  const out = new MemoryOut();
  const logHub = new LogHub({ format: "pretty", color: false, level: "info", root: none, out, ...options });
  return { out, logHub };
}

test("pretty, no colour: time, right-aligned name, level letter, message", async () => {
  const { out, logHub } = hub();
  const log = logHub.logger("web");
  log.info("server listening");
  log.warning("slow request");
  log.error("failed");
  log.critical("down");
  logHub.logger("a-rather-long-source-name").info("long names are not cut");
  await logHub.flush();
  const lines = out.lines();
  assert.equal(lines.length, 5);
  const pad = " ".repeat(NAME_WIDTH - 3);
  assert.match(nth(lines, 0), new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${pad}web I server listening$`));
  assert.match(nth(lines, 1), / {11}web W slow request$/);
  assert.match(nth(lines, 2), / {11}web E failed$/);
  assert.match(nth(lines, 3), / {11}web C down$/);
  assert.match(nth(lines, 4), /^\S+ a-rather-long-source-name I long names are not cut$/);
  assert.ok(!out.text.includes("\x1b"));
});

test("the clock column is local time with milliseconds", async () => {
  const { out, logHub } = hub();
  const records: LogRecord[] = [];
  logHub.onRecord((r) => records.push(r));
  logHub.logger("x").info("tick");
  await logHub.flush();
  const d = new Date(nth(records, 0).time);
  const two = (n: number) => String(n).padStart(2, "0");
  const expected = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  assert.ok(out.text.startsWith(`${expected} `), out.text);
});

test("multi-line messages are indented under the message column; a final newline is dropped", async () => {
  const { out, logHub } = hub();
  logHub.logger("kernel").error("Traceback:\n  line 1\nValueError\n");
  await logHub.flush();
  const lines = out.lines();
  assert.equal(lines.length, 3);
  const column = nth(lines, 0).indexOf("Traceback");
  assert.equal(column, 12 + 1 + NAME_WIDTH + 1 + 1 + 1);
  assert.equal(lines[1], `${" ".repeat(column)}  line 1`);
  assert.equal(lines[2], `${" ".repeat(column)}ValueError`);
});

test("pretty with colour: one stable colour per name, level letter on a background", async () => {
  const { out, logHub } = hub({ color: true });
  logHub.logger("web").info("hello \x1b[31mred");
  logHub.logger("worker").warning("careful");
  await logHub.flush();
  const [web, worker] = out.lines();
  assert.ok(web!.includes(`\x1b[${nameColor("web")}m${"web".padStart(NAME_WIDTH)}\x1b[0m`), JSON.stringify(web));
  assert.ok(web!.includes("\x1b[30;42mI\x1b[0m"));
  // A colour the message opened is closed at the end of its line.
  assert.ok(web!.endsWith("hello \x1b[31mred\x1b[0m"), JSON.stringify(web));
  assert.ok(worker!.includes("\x1b[30;43mW\x1b[0m"));
  assert.equal(nameColor("web"), nameColor("web"));
  const colors = new Set(["web", "worker", "kernel", "jaffle", "pytest", "watchdog", "tornado_app"].map(nameColor));
  assert.ok(colors.size >= 3, "names spread over the palette");
});

test("colour off strips escape codes from messages", async () => {
  const { out, logHub } = hub({ color: false });
  const records: LogRecord[] = [];
  logHub.onRecord((r) => records.push(r));
  logHub.logger("tty").info("\x1b[32mgreen\x1b[0m and \x1b[1mbold\x1b[0m");
  await logHub.flush();
  assert.match(out.text, / tty I green and bold\n$/);
  assert.equal(nth(records, 0).msg, "green and bold");
});

test("JSON: pino's line format with pino's numeric levels", async () => {
  const { out, logHub } = hub({ format: "json", level: "debug" });
  const records: LogRecord[] = [];
  logHub.onRecord((r) => records.push(r));
  const log = logHub.logger("web");
  log.critical("c");
  log.error("e");
  log.warning("w");
  log.info('i "quoted" \x1b[31m');
  log.debug("d\nsecond line");
  await logHub.flush();
  const lines = out.lines();
  assert.equal(lines.length, 5);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const [i, object] of parsed.entries()) {
    assert.deepEqual(Object.keys(object), ["level", "time", "pid", "hostname", "name", "msg"]);
    assert.equal(object.pid, process.pid);
    assert.equal(object.hostname, hostname());
    assert.equal(object.name, "web");
    assert.equal(object.time, nth(records, i).time);
  }
  assert.deepEqual(
    parsed.map((o) => o.level),
    [PINO_LEVELS.critical, PINO_LEVELS.error, PINO_LEVELS.warning, PINO_LEVELS.info, PINO_LEVELS.debug],
  );
  assert.deepEqual(
    parsed.map((o) => o.level),
    [60, 50, 40, 30, 20],
  );
  assert.deepEqual(
    parsed.map((o) => o.msg),
    ["c", "e", "w", 'i "quoted" ', "d\nsecond line"],
  );
});

test("JSON keeps colour codes when colour is on", async () => {
  const { out, logHub } = hub({ format: "json", color: true });
  logHub.logger("tty").info("\x1b[32mgreen\x1b[0m");
  await logHub.flush();
  assert.equal((JSON.parse(nth(out.lines(), 0)) as { msg: string }).msg, "\x1b[32mgreen\x1b[0m");
});

test("level: the global threshold, overridden per source", async () => {
  const { out, logHub } = hub({ level: "warning" });
  const quiet = logHub.logger("quiet");
  const chatty = logHub.logger("chatty", { ...none, level: "debug" });
  const strict = logHub.logger("strict", { ...none, level: "error" });
  for (const log of [quiet, chatty, strict]) {
    log.debug("debug");
    log.info("info");
    log.warning("warning");
    log.error("error");
    log.log("critical", "critical");
  }
  await logHub.flush();
  const seen = out.lines().map((l) => l.trim().split(/\s+/).slice(1).join(" "));
  assert.deepEqual(seen, [
    "quiet W warning",
    "quiet E error",
    "quiet C critical",
    "chatty D debug",
    "chatty I info",
    "chatty W warning",
    "chatty E error",
    "chatty C critical",
    "strict E error",
    "strict C critical",
  ]);
});

test("source rules run first, then root rules; suppressed lines reach nobody", async () => {
  const root: LoggerConfig = {
    suppress_regex: ["^DROP BY ROOT"],
    replace_regex: [{ from: "secret=\\w+", to: "secret=***" }],
  };
  const { out, logHub } = hub({ root });
  const records: LogRecord[] = [];
  logHub.onRecord((r) => records.push(r));
  const web = logHub.logger("web", {
    suppress_regex: ["GET /health", "^debug:"],
    // The source's rewrite produces text the root rules then act on.
    replace_regex: [
      { from: "^(\\w+) (\\S+)$", to: "\\2 <- \\1" },
      { from: "^REWRITE-ME$", to: "DROP BY ROOT" },
    ],
  });
  const other = logHub.logger("other");
  web.info("GET /health 200");
  web.info("debug: noise");
  web.info("POST /login");
  web.info("token secret=abc123 sent");
  web.info("REWRITE-ME");
  other.info("GET /health is only suppressed for web");
  other.info("DROP BY ROOT everywhere");
  other.info("secret=xyz");
  await logHub.flush();
  assert.deepEqual(
    records.map((r) => `${r.name}: ${r.msg}`),
    [
      "web: /login <- POST",
      "web: token secret=*** sent",
      "other: GET /health is only suppressed for web",
      "other: secret=***",
    ],
  );
  assert.deepEqual(
    out.lines().map((l) => l.slice(13).trim()),
    [
      "web I /login <- POST",
      "web I token secret=*** sent",
      "other I GET /health is only suppressed for web",
      "other I secret=***",
    ],
  );
});

test("replace_regex uses Python replacement syntax, including octal colour escapes", async () => {
  const { out, logHub } = hub({ color: true });
  const log = logHub.logger("pytest", {
    ...none,
    replace_regex: [
      { from: "(PASSED)", to: "\\033[32m\\1\\033[0m" },
      { from: "(?<word>FAIL)ED", to: "\\g<word>!" },
    ],
  });
  log.info("test_a PASSED");
  log.info("test_b FAILED");
  await logHub.flush();
  const [passed, failed] = out.lines();
  assert.ok(passed!.endsWith("test_a \x1b[32mPASSED\x1b[0m\x1b[0m"), JSON.stringify(passed));
  assert.ok(failed!.endsWith("test_b FAIL!"), JSON.stringify(failed));
});

test("a logger block's name renames the source; records keep the block's label", async () => {
  const { out, logHub } = hub();
  const records: LogRecord[] = [];
  logHub.onRecord((r) => records.push(r));
  const log = logHub.logger("tornado_app", { ...none, name: "server" });
  assert.equal(log.name, "server");
  log.info("up");
  await logHub.flush();
  assert.deepEqual(
    records.map((r) => [r.name, r.source, r.msg]),
    [["server", "tornado_app", "up"]],
  );
  assert.match(out.text, / server I up\n$/);
});

test("onRecord: listeners see records after the rules and can unsubscribe; a throwing one is ignored", async () => {
  const { out, logHub } = hub({ level: "debug" });
  const seen: string[] = [];
  logHub.onRecord(() => {
    throw new Error("listener bug");
  });
  const unsubscribe = logHub.onRecord((r) => seen.push(`${r.level}:${r.msg}`));
  const log = logHub.logger("src", { ...none, suppress_regex: ["hidden"] });
  log.debug("one");
  log.info("hidden line");
  unsubscribe();
  log.info("two");
  await logHub.flush();
  assert.deepEqual(seen, ["debug:one"]);
  assert.equal(out.lines().length, 2);
});

test("an unknown level from outside the type system is logged at info", async () => {
  const { out, logHub } = hub();
  logHub.logger("kernel").log("WARNING" as never, "from python");
  await logHub.flush();
  assert.match(out.text, / kernel I from python\n$/);
});

test("bad rules fail with a one-line error naming the source", () => {
  const { logHub } = hub();
  assert.throws(
    () => logHub.logger("web", { ...none, suppress_regex: ["("] }),
    /^Error: logger of "web": suppress_regex\[0\] "\(" is not a valid regular expression/,
  );
  assert.throws(
    () => logHub.logger("web", { ...none, replace_regex: [{ from: "a", to: "\\q" }] }),
    /^Error: logger of "web": .*"a".*bad escape \\q/,
  );
});

test("no record is lost or reordered when the output applies backpressure", async () => {
  const out = new MemoryOut({ slow: true, highWaterMark: 1024 });
  const logHub = new LogHub({ format: "json", color: false, level: "info", root: none, out });
  const log = logHub.logger("flood");
  const count = 50_000;
  for (let i = 0; i < count; i++) log.info(`line ${i}`);
  await logHub.flush();
  const lines = out.lines();
  assert.equal(lines.length, count);
  for (let i = 0; i < count; i += 997) assert.equal((JSON.parse(nth(lines, i)) as { msg: string }).msg, `line ${i}`);
  assert.equal((JSON.parse(nth(lines, count - 1)) as { msg: string }).msg, `line ${count - 1}`);
  // Batching: far fewer writes than lines.
  assert.ok(out.writes < count / 20, `${out.writes} writes for ${count} lines`);
});

test("past backlog_bytes a slow output drops lines, counted in one warning line where the gap is", async () => {
  const out = new MemoryOut({ slow: true, highWaterMark: 1024 });
  const backlog = 64 * 1024;
  const logHub = new LogHub({
    format: "json",
    color: false,
    level: "info",
    root: { ...none, backlog_bytes: backlog },
    out,
  });
  const records: LogRecord[] = [];
  logHub.onRecord((record) => records.push(record));
  const log = logHub.logger("flood");
  const count = 50_000;
  // All in one turn: the output takes none of it until the loop ends.
  for (let i = 0; i < count; i++) log.info(`line ${i}`);
  await logHub.flush();
  const lines = out.lines().map((line) => JSON.parse(line) as { msg: string; name: string; level: number });
  const gap = lines.findIndex((line) => line.name === "jaffle");
  assert.ok(gap > 0, "a dropped-lines line was written");
  const dropped = Number(/^(\d+) lines dropped: /.exec(nth(lines, gap).msg)?.[1]);
  assert.equal(nth(lines, gap).level, PINO_LEVELS.warning);
  assert.match(nth(lines, gap).msg, /backlog_bytes = 65536/);
  // Before the gap: the first lines in order; the count is exactly what is missing.
  const kept = lines.filter((line) => line.name === "flood").map((line) => line.msg);
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, i) => `line ${i}`),
  );
  assert.equal(kept.length + dropped, count);
  // What waited stayed near the bound: the text before the gap is about backlog_bytes.
  const written = lines.slice(0, gap).reduce((sum, line) => sum + JSON.stringify(line).length + 1, 0);
  assert.ok(written <= backlog + 2048, `${written} bytes written before the gap`);
  // Listeners (the history of `jaffle logs`) still saw every record.
  assert.equal(records.length, count);
});
