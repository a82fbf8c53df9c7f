/**
 * The wire layer on its own: signing, framing, the send queue and connection files,
 * plus a client facing a hand-made kernel (raw zeromq sockets) that sends forged replies.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Publisher, Pull, Push, Router } from "zeromq";
import { KernelClient } from "../../src/kernel/client.js";
import {
  allocatePorts,
  endpoint,
  newConnectionInfo,
  readConnectionFile,
  writeConnectionFile,
  type ConnectionInfo,
} from "../../src/kernel/connection.js";
import {
  createMessage,
  isMessageType,
  parentMsgId,
  PROTOCOL_VERSION,
  type JupyterMessage,
} from "../../src/kernel/messages.js";
import { SendQueue } from "../../src/kernel/send-queue.js";
import {
  decodeMessage,
  DELIMITER,
  encodeMessage,
  InvalidSignatureError,
  MalformedMessageError,
  MessageSigner,
} from "../../src/kernel/wire.js";
import { tempDir, waitFor, nth } from "../helpers/index.js";
import { recordingLogger } from "./protocol-support.js";

const frames = (...parts: string[]) => parts.map((part) => Buffer.from(part));

describe("MessageSigner", () => {
  test("signs with HMAC-SHA256 and verifies only the exact frames under the same key", () => {
    const signer = new MessageSigner("secret");
    const body = frames('{"a":1}', "{}", "{}", '{"code":"1"}');
    const signature = signer.sign(body);
    assert.match(signature, /^[0-9a-f]{64}$/);
    assert.equal(signer.verify(signature, body), true);
    assert.equal(new MessageSigner("other").verify(signature, body), false);
    assert.equal(signer.verify(signature, frames('{"a":1}', "{}", "{}", '{"code":"2"}')), false);
    assert.equal(signer.verify(signature.slice(0, 10), body), false, "a truncated signature fails");
    assert.equal(signer.verify("", body), false, "a missing signature fails");
  });

  test("an empty key means unsigned messages", () => {
    const signer = new MessageSigner("");
    assert.equal(signer.sign(frames("{}")), "");
    assert.equal(signer.verify("", frames("{}")), true);
  });

  test("an unknown scheme is refused up front", () => {
    assert.throws(() => new MessageSigner("k", "rsa"), /unsupported signature_scheme "rsa"/);
    assert.throws(() => new MessageSigner("k", "hmac-nosuchdigest"));
    assert.match(new MessageSigner("k", "hmac-sha512").sign(frames("x")), /^[0-9a-f]{128}$/);
  });
});

describe("encodeMessage / decodeMessage", () => {
  const signer = new MessageSigner("key");
  const request = createMessage("execute_request", { code: "1+1", silent: false }, { session: "s1", username: "u" });

  test("createMessage fills a 5.3 header and takes the parent's header", () => {
    assert.equal(request.header.version, PROTOCOL_VERSION);
    assert.equal(request.header.msg_type, "execute_request");
    assert.equal(request.header.session, "s1");
    assert.ok(!Number.isNaN(Date.parse(request.header.date)));
    assert.deepEqual(request.parent_header, {});
    const reply = createMessage(
      "execute_reply",
      { status: "ok", execution_count: 1 },
      { session: "k", parent: request },
    );
    assert.equal(parentMsgId(reply), request.header.msg_id);
    assert.deepEqual(reply.parent_header, request.header);
  });

  test("round-trips identities, the four JSON parts and binary buffers", () => {
    const msg = createMessage(
      "display_data",
      { data: { "text/plain": "x" }, metadata: {} },
      {
        session: "s",
        identities: [Buffer.from("peer-1"), Buffer.from("peer-2")],
        buffers: [Buffer.from([0, 1, 2, 255])],
        metadata: { m: 1 },
        parent: request,
      },
    );
    const wire = encodeMessage(msg, signer);
    assert.equal(nth(wire, 2).toString(), DELIMITER);
    assert.equal(nth(wire, 3).toString(), signer.sign(wire.slice(4, 8)));
    const back = decodeMessage(wire, signer);
    assert.deepEqual(back.identities.map(String), ["peer-1", "peer-2"]);
    assert.deepEqual(back.header, msg.header);
    assert.deepEqual(back.parent_header, request.header);
    assert.deepEqual(back.metadata, { m: 1 });
    assert.deepEqual(back.content, msg.content);
    assert.deepEqual([...nth(back.buffers, 0)], [0, 1, 2, 255]);
    assert.ok(isMessageType(back, "display_data"));
  });

  test("an iopub topic frame is kept as an identity", () => {
    const wire = encodeMessage(createMessage("stream", { name: "stdout", text: "hi" }, { session: "s" }), signer);
    const back = decodeMessage([Buffer.from("kernel.abc.stream"), ...wire], signer);
    assert.deepEqual(back.identities.map(String), ["kernel.abc.stream"]);
    assert.ok(isMessageType(back, "stream"));
    assert.equal(back.content.text, "hi");
  });

  test("a wrong signature is an InvalidSignatureError naming the claimed type", () => {
    const wire = encodeMessage(request, new MessageSigner("not-the-key"));
    assert.throws(
      () => decodeMessage(wire, signer),
      (error: unknown) => {
        assert.ok(error instanceof InvalidSignatureError);
        assert.equal(error.msgType, "execute_request");
        return true;
      },
    );
    const tampered = encodeMessage(request, signer);
    tampered[5] = Buffer.from('{"a":1}');
    assert.throws(() => decodeMessage(tampered, signer), InvalidSignatureError);
  });

  test("frames that are not a message are a MalformedMessageError", () => {
    assert.throws(() => decodeMessage(frames("a", "b"), signer), /no <IDS\|MSG> delimiter/);
    assert.throws(() => decodeMessage(frames(DELIMITER, "sig", "{}"), signer), MalformedMessageError);
    const unsigned = new MessageSigner("");
    assert.throws(
      () => decodeMessage(frames(DELIMITER, "", "not json", "{}", "{}", "{}"), unsigned),
      /header is not JSON/,
    );
    assert.throws(
      () => decodeMessage(frames(DELIMITER, "", "[]", "{}", "{}", "{}"), unsigned),
      /header is not a JSON object/,
    );
    assert.throws(
      () => decodeMessage(frames(DELIMITER, "", '{"msg_id":"x"}', "{}", "{}", "{}"), unsigned),
      /lacks msg_id or msg_type/,
    );
  });
});

describe("SendQueue", () => {
  test("serialises many concurrent sends on one zeromq socket, in order", async (t) => {
    const [port] = await allocatePorts(1);
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    t.after(() => {
      pull.close();
      push.close();
    });
    await pull.bind(`tcp://127.0.0.1:${port}`);
    push.connect(`tcp://127.0.0.1:${port}`);
    const queue = new SendQueue(push);
    const count = 500;
    await Promise.all(Array.from({ length: count }, (_, i) => queue.send([Buffer.from(String(i))])));
    const received: number[] = [];
    for (let i = 0; i < count; i++) {
      const [frame] = await pull.receive();
      received.push(Number(frame!.toString()));
    }
    assert.deepEqual(
      received,
      Array.from({ length: count }, (_, i) => i),
    );
  });

  test("one failed send does not block the ones behind it", async () => {
    let calls = 0;
    const queue = new SendQueue({
      send: async () => {
        calls += 1;
        if (calls === 1) throw new Error("boom");
      },
    });
    const first = queue.send([]);
    const second = queue.send([]);
    await assert.rejects(first, /boom/);
    await second;
    assert.equal(calls, 2);
  });
});

describe("connection files", () => {
  test("newConnectionInfo: five distinct ports on 127.0.0.1 and a random 256-bit key", async () => {
    const a = await newConnectionInfo("python3");
    const b = await newConnectionInfo("python3");
    assert.equal(a.ip, "127.0.0.1");
    assert.equal(a.transport, "tcp");
    assert.equal(a.signature_scheme, "hmac-sha256");
    assert.equal(a.kernel_name, "python3");
    const ports = [a.shell_port, a.iopub_port, a.stdin_port, a.control_port, a.hb_port];
    assert.equal(new Set(ports).size, 5);
    assert.match(a.key, /^[0-9a-f]{64}$/);
    assert.notEqual(a.key, b.key);
    assert.equal(endpoint(a, "shell"), `tcp://127.0.0.1:${a.shell_port}`);
  });

  test("written 0600 in a new 0700 directory, read back identical", async (t) => {
    const dir = join(tempDir(t), "runtime");
    const file = join(dir, "kernel-x.json");
    const info = await newConnectionInfo("jaffle-node");
    await writeConnectionFile(file, info);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(await readConnectionFile(file), info);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), info);
  });

  test("bad connection files are one-line errors naming the file and field", async (t) => {
    const dir = tempDir(t);
    const file = join(dir, "bad.json");
    await assert.rejects(readConnectionFile(join(dir, "missing.json")), /missing\.json: no such connection file/);
    writeFileSync(file, "{nope");
    await assert.rejects(readConnectionFile(file), /bad\.json: not a JSON connection file/);
    writeFileSync(
      file,
      JSON.stringify({ ip: "127.0.0.1", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: "4", hb_port: 5 }),
    );
    await assert.rejects(readConnectionFile(file), /bad\.json: control_port must be a port number, not "4"/);
  });
});

/**
 * A hand-made kernel on raw zeromq sockets. It answers kernel_info (so the client can
 * connect), and lets the test send any frames it likes to the client.
 */
async function fakeKernel(t: { after: (fn: () => void) => void }) {
  const info: ConnectionInfo = await newConnectionInfo("fake");
  const signer = new MessageSigner(info.key);
  const shell = new Router({ linger: 0 });
  const control = new Router({ linger: 0 });
  const stdin = new Router({ linger: 0 });
  const iopub = new Publisher({ linger: 0 });
  const hb = new Router({ linger: 0 });
  const sockets = [shell, control, stdin, iopub, hb];
  t.after(() => sockets.forEach((socket) => socket.close()));
  await shell.bind(endpoint(info, "shell"));
  await control.bind(endpoint(info, "control"));
  await stdin.bind(endpoint(info, "stdin"));
  await iopub.bind(endpoint(info, "iopub"));
  await hb.bind(endpoint(info, "hb"));
  const shellQueue = new SendQueue(shell);
  const iopubQueue = new SendQueue(iopub);
  void (async () => {
    for await (const frames of hb) await hb.send(frames).catch(() => undefined);
  })().catch(() => undefined);
  /** Requests other than kernel_info, for the test to answer. */
  const requests: JupyterMessage[] = [];
  const kernelInfoReply = (request: JupyterMessage) =>
    createMessage(
      "kernel_info_reply",
      {
        status: "ok",
        protocol_version: "5.3",
        implementation: "fake",
        implementation_version: "0",
        language_info: { name: "fake", version: "0", mimetype: "text/plain", file_extension: ".txt" },
        banner: "",
      },
      { session: "kernel", parent: request, identities: request.identities },
    );
  void (async () => {
    for await (const frames of shell) {
      const request = decodeMessage(frames, signer);
      if (request.header.msg_type !== "kernel_info_request") {
        requests.push(request);
        continue;
      }
      const status = (state: "busy" | "idle") =>
        encodeMessage(
          createMessage("status", { execution_state: state }, { session: "kernel", parent: request }),
          signer,
        );
      await iopubQueue.send(status("busy"));
      await shellQueue.send(encodeMessage(kernelInfoReply(request), signer));
      await iopubQueue.send(status("idle"));
    }
  })().catch(() => undefined);
  return { info, signer, shellQueue, iopubQueue, requests, kernelInfoReply };
}

describe("client against a kernel sending forged messages", () => {
  test("a reply with a wrong signature is dropped and logged; the genuine one is used", async (t) => {
    const kernel = await fakeKernel(t);
    const logger = recordingLogger();
    const client = await KernelClient.connect(kernel.info, { logger, readyTimeoutMs: 20_000 });
    t.after(() => client.close());
    const forgedSigner = new MessageSigner("attacker-key");

    const reply = client.isComplete("x = 1", 20_000);
    const request = await waitForRequest(kernel.requests, "is_complete_request");
    const forged = createMessage(
      "is_complete_reply",
      { status: "invalid" },
      {
        session: "kernel",
        parent: request,
        identities: request.identities,
      },
    );
    await kernel.shellQueue.send(encodeMessage(forged, forgedSigner));
    // A forged iopub message must not reach listeners either.
    const seen: string[] = [];
    client.on("iopub", (msg) => seen.push(msg.header.msg_type));
    await kernel.iopubQueue.send(
      encodeMessage(
        createMessage("stream", { name: "stdout", text: "forged" }, { session: "k", parent: request }),
        forgedSigner,
      ),
    );
    const genuine = createMessage(
      "is_complete_reply",
      { status: "complete" },
      {
        session: "kernel",
        parent: request,
        identities: request.identities,
      },
    );
    await kernel.shellQueue.send(encodeMessage(genuine, kernel.signer));
    assert.deepEqual((await reply).content, { status: "complete" });
    await kernel.iopubQueue.send(
      encodeMessage(
        createMessage("stream", { name: "stdout", text: "real" }, { session: "k", parent: request }),
        kernel.signer,
      ),
    );
    await waitFor(() => seen.length > 0, "the genuine iopub message");
    assert.deepEqual(seen, ["stream"], "only the genuine iopub message was emitted");
    const warnings = logger.at("warning");
    assert.ok(
      warnings.some((w) => /invalid signature on shell.*is_complete_reply/.test(w)),
      warnings.join("\n"),
    );
    assert.ok(
      warnings.some((w) => /invalid signature on iopub.*stream/.test(w)),
      warnings.join("\n"),
    );

    // The same genuine message sent again (a replay) is dropped as well.
    const again = client.kernelInfo(20_000);
    await kernel.shellQueue.send(encodeMessage(genuine, kernel.signer));
    await again;
    await waitFor(() => logger.at("warning").some((w) => /replayed is_complete_reply/.test(w)), "the replay warning");
  });
});

async function waitForRequest(requests: JupyterMessage[], type: string): Promise<JupyterMessage> {
  return waitFor(() => requests.find((r) => r.header.msg_type === type), `a ${type} at the fake kernel`);
}
