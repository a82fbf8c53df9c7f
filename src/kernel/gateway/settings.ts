/**
 * Where a remote kernel runs: a Jupyter Server, Kernel Gateway or Enterprise Gateway.
 * A kernel block's own `gateway {}` wins field by field over the root `gateway {}`,
 * which wins over JUPYTER_GATEWAY_URL / JUPYTER_GATEWAY_AUTH_TOKEN (the variables
 * jupyter_server's GatewayClient reads).
 */

/** A `gateway {}` block as the config holds it (every field optional). */
export interface GatewayBlock {
  url?: string;
  token?: string;
  path?: string;
  env?: Record<string, string>;
}

export interface GatewaySettings {
  /** The server's base URL, with a trailing slash (`http://host:8888/base/`). */
  baseUrl: URL;
  /** Sent as `Authorization: token ...`; never logged, never written to a file. */
  token?: string;
  /** The kernel's working directory, relative to the server's root. */
  path?: string;
  /** Passed in the start request (Enterprise Gateway reads KERNEL_* from it). */
  env: Record<string, string>;
}

export const GATEWAY_URL_ENV = "JUPYTER_GATEWAY_URL";
export const GATEWAY_TOKEN_ENV = "JUPYTER_GATEWAY_AUTH_TOKEN";

/**
 * The settings for one kernel block, or undefined when it runs locally. The root block
 * and the environment apply only to kernels with a `kernel_name`: the built-in Node.js
 * kernel is jaffle's own and is not installed on a server.
 */
export function resolveGateway(
  own: GatewayBlock | undefined,
  root: GatewayBlock | undefined,
  hasKernelName: boolean,
  environment: NodeJS.ProcessEnv = process.env,
): GatewaySettings | undefined {
  const shared: GatewayBlock = hasKernelName
    ? {
        url: root?.url ?? nonEmpty(environment[GATEWAY_URL_ENV]),
        token: root?.token ?? nonEmpty(environment[GATEWAY_TOKEN_ENV]),
        path: root?.path,
        env: root?.env,
      }
    : {};
  if (own === undefined && shared.url === undefined) return undefined;
  const url = own?.url ?? shared.url;
  if (url === undefined) return undefined;
  return {
    baseUrl: baseUrl(url),
    token: own?.token ?? shared.token ?? nonEmpty(environment[GATEWAY_TOKEN_ENV]),
    path: own?.path ?? shared.path,
    env: { ...(own?.env ?? shared.env ?? {}) },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Parses a server URL; credentials in it are refused (they would end up in logs). */
export function baseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`gateway url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`gateway url must be http:// or https://, not ${url.protocol}//`);
  if (url.username || url.password)
    throw new Error("gateway url must not hold credentials; set gateway { token } instead");
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** The server as logs and the status file name it (no query, no credentials by construction). */
export function serverLabel(settings: GatewaySettings): string {
  return settings.baseUrl.href;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Plain http:// to another machine sends the token and all code in clear text. */
export function isInsecure(settings: GatewaySettings): boolean {
  return settings.baseUrl.protocol === "http:" && !LOOPBACK.test(settings.baseUrl.hostname);
}
