import { greeting } from "./greeting.js";

export interface Reply {
  status: number;
  type: string;
  body: string;
}

/** The whole application: a pure function from a request path to a reply (easy to test). */
export function route(path: string, startedAt: Date): Reply {
  switch (path) {
    case "/":
      return { status: 200, type: "text/plain; charset=utf-8", body: `${greeting}\n` };
    case "/health":
      return {
        status: 200,
        type: "application/json",
        body: JSON.stringify({ ok: true, startedAt: startedAt.toISOString() }),
      };
    default:
      return { status: 404, type: "text/plain; charset=utf-8", body: "not found\n" };
  }
}
