/**
 * The Jupyter Server REST API for kernels, as Jupyter Server, Kernel Gateway and
 * Enterprise Gateway serve it: kernelspecs, start, look up, interrupt, restart, delete.
 * Every request carries `Authorization: token ...`; no error message ever holds the token
 * (failures name the server by its base URL and say what went wrong in one line).
 */
import type { GatewaySettings } from "./settings.js";
import { serverLabel } from "./settings.js";
import { JaffleError } from "../../errors.js";
import { firstLine } from "../../shared/text.js";

/** What went wrong talking to the server; `kind` lets callers tell a dead kernel from a dead server. */
export type GatewayFailure = "unreachable" | "unauthorized" | "not-found" | "refused";

export class GatewayError extends JaffleError {
  constructor(
    readonly kind: GatewayFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A kernel as GET /api/kernels/{id} describes it. */
export interface RemoteKernelModel {
  id: string;
  name: string;
  execution_state?: string;
  connections?: number;
}

export interface RemoteKernelSpecs {
  default: string;
  kernelspecs: Record<string, { name: string; spec?: { language?: string; display_name?: string } }>;
}

/** How long one REST call may take; a kernel start on a gateway can take a while. */
const REQUEST_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 120_000;

export class GatewayRest {
  constructor(readonly settings: GatewaySettings) {}

  get server(): string {
    return serverLabel(this.settings);
  }

  /** Headers of every request and of the WebSocket upgrade. */
  authHeaders(): Record<string, string> {
    return this.settings.token === undefined ? {} : { Authorization: `token ${this.settings.token}` };
  }

  /** `api/kernels/{id}/channels` and friends, under the base URL. */
  url(path: string): URL {
    return new URL(path, this.settings.baseUrl);
  }

  /** GET /api/kernelspecs: also proves the server is there and takes the token. */
  kernelspecs(): Promise<RemoteKernelSpecs> {
    return this.call<RemoteKernelSpecs>("GET", "api/kernelspecs");
  }

  startKernel(name: string): Promise<RemoteKernelModel> {
    const env = { ...this.settings.env };
    // Enterprise Gateway places the kernel in KERNEL_WORKING_DIR; jupyter_server's own
    // GatewayKernelManager sets it the same way from the path.
    if (this.settings.path !== undefined) env.KERNEL_WORKING_DIR ??= this.settings.path;
    const body: Record<string, unknown> = { name, env };
    if (this.settings.path !== undefined) body.path = this.settings.path;
    return this.call<RemoteKernelModel>("POST", "api/kernels", body, START_TIMEOUT_MS);
  }

  getKernel(id: string): Promise<RemoteKernelModel> {
    return this.call<RemoteKernelModel>("GET", `api/kernels/${encodeURIComponent(id)}`);
  }

  async interruptKernel(id: string): Promise<void> {
    await this.call("POST", `api/kernels/${encodeURIComponent(id)}/interrupt`);
  }

  restartKernel(id: string): Promise<RemoteKernelModel> {
    return this.call<RemoteKernelModel>(
      "POST",
      `api/kernels/${encodeURIComponent(id)}/restart`,
      undefined,
      START_TIMEOUT_MS,
    );
  }

  async deleteKernel(id: string): Promise<void> {
    await this.call("DELETE", `api/kernels/${encodeURIComponent(id)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const what = `${method} ${this.url(path).pathname}`;
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: {
          ...this.authHeaders(),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GatewayError(
        "unreachable",
        `cannot reach the Jupyter server at ${this.server}: ${networkReason(error)}`,
      );
    }
    const text = await response.text().catch(() => "");
    if (response.status === 401 || response.status === 403) {
      throw new GatewayError(
        "unauthorized",
        `the Jupyter server at ${this.server} rejected the token (HTTP ${response.status} on ${what})`,
      );
    }
    if (response.status === 404) throw new GatewayError("not-found", `${what}: not found on ${this.server}`);
    if (!response.ok) {
      throw new GatewayError(
        "refused",
        `${what} on ${this.server} failed: HTTP ${response.status}${serverReason(text)}`,
      );
    }
    if (response.status === 204 || text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new GatewayError("refused", `${what} on ${this.server} answered something that is not JSON`);
    }
  }
}

/** The socket error's code (ECONNREFUSED, ENOTFOUND...): fetch() wraps it in `cause`. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  // ws hands the socket error itself over.
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  if ((error as Error).name === "TimeoutError") return "no answer in time";
  return cause?.message ?? (error as Error).message;
}

/** The server's own `message`/`reason` (one line, short); jupyter_server answers JSON errors. */
function serverReason(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
    const reason = typeof parsed.message === "string" && parsed.message ? parsed.message : parsed.reason;
    if (typeof reason === "string" && reason) return `: ${firstLine(reason).slice(0, 200)}`;
  } catch {
    /* not JSON: no detail */
  }
  return "";
}
