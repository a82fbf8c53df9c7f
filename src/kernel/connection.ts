/**
 * Connection files: the JSON a kernel is started with (ports, transport, HMAC key).
 * They hold the key that authorises code execution, so they are written mode 0600,
 * atomically (no reader ever sees half a file), and only ever bind 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";
import type { Channel } from "./messages.js";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name: string;
}

/** Every socket a kernel binds: the four message channels plus the heartbeat. */
export type SocketName = Channel | "hb";

export const LOCALHOST = "127.0.0.1";

const PORT_FIELDS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

/** The ZeroMQ endpoint of one of the kernel's sockets. */
export function endpoint(info: ConnectionInfo, socket: SocketName): string {
  const port = info[`${socket}_port`];
  // ipc endpoints are files named <ip>-<port>, as jupyter_client names them.
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}

/** Reads and checks a connection file; errors name the file and the field at fault. */
export async function readConnectionFile(path: string): Promise<ConnectionInfo> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such connection file` : `${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not a JSON connection file (${(error as Error).message})`, { cause: error });
  }
  return parseConnectionInfo(raw, path);
}

/** Validates connection info from JSON; `source` names where it came from in errors. */
export function parseConnectionInfo(raw: unknown, source: string): ConnectionInfo {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${source}: a connection file holds a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const transport = obj.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`${source}: transport must be "tcp" or "ipc", not ${JSON.stringify(transport)}`);
  }
  const ip = obj.ip ?? LOCALHOST;
  if (typeof ip !== "string" || ip === "") throw new Error(`${source}: ip must be a non-empty string`);
  const ports = {} as Record<(typeof PORT_FIELDS)[number], number>;
  for (const field of PORT_FIELDS) {
    const port = obj[field];
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`${source}: ${field} must be a port number, not ${JSON.stringify(port)}`);
    }
    ports[field] = port;
  }
  const key = obj.key ?? "";
  if (typeof key !== "string") throw new Error(`${source}: key must be a string`);
  const scheme = obj.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string" || !/^hmac-/.test(scheme)) {
    throw new Error(`${source}: signature_scheme must be hmac-<digest>, not ${JSON.stringify(scheme)}`);
  }
  const kernelName = obj.kernel_name ?? "";
  if (typeof kernelName !== "string") throw new Error(`${source}: kernel_name must be a string`);
  return { transport, ip, ...ports, key, signature_scheme: scheme, kernel_name: kernelName };
}

/**
 * Writes the file mode 0600 through a temporary name and a rename, so the key is never
 * readable by others and a reader never sees a partial file. A directory created here
 * is 0700; an existing one is left as it is (it may be shared, like /tmp).
 */
export async function writeConnectionFile(path: string, info: ConnectionInfo): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(info, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    // The umask cannot widen 0600, but a pre-set ACL or odd umask handling could: be explicit.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Chooses `count` distinct ports for a new kernel (allocatePorts; tests inject others). */
export type PortPicker = (count: number) => Promise<number[]>;

/**
 * Finds `n` distinct free TCP ports on 127.0.0.1 by binding port 0 and releasing it.
 * All servers are held open together so the same port is not handed out twice.
 */
export async function allocatePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen({ port: 0, host: LOCALHOST, exclusive: true }, () => {
              const address = server.address();
              if (address === null || typeof address === "string") reject(new Error("no TCP address"));
              else resolve(address.port);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }
}

/** Connection info for a new kernel: fresh ports on 127.0.0.1 and a random 256-bit key. */
export async function newConnectionInfo(
  kernelName: string,
  pickPorts: PortPicker = allocatePorts,
): Promise<ConnectionInfo> {
  const [shell, iopub, stdin, control, hb] = await pickPorts(5);
  return {
    transport: "tcp",
    ip: LOCALHOST,
    shell_port: shell!,
    iopub_port: iopub!,
    stdin_port: stdin!,
    control_port: control!,
    hb_port: hb!,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}
