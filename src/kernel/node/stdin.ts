/**
 * `await input(prompt)` and `await input.password(prompt)` in a cell: an `input_request`
 * on the stdin channel, to the front end that sent the execute request, answered by its
 * `input_reply` (the messaging spec's stdin round trip, as IPython's `input()`).
 *
 * A front end says in each execute request whether it can answer (`allow_stdin`);
 * nbclient and `jupyter nbconvert` say no. Asking such a request for input rejects at
 * once with StdinNotAllowedError instead of waiting forever.
 */
import type { JupyterMessage } from "../messages.js";
import type { RequestHeader } from "./request-origin.js";
import { JaffleError } from "../../errors.js";

export class StdinNotAllowedError extends JaffleError {
  constructor() {
    super("input() needs a front end that answers input requests; this one sent the cell with allow_stdin false");
  }
}

/** What the stdin round trip needs to know about the request a cell runs for. */
export interface InputOrigin {
  header: RequestHeader;
  /** The ROUTER identities of the front end that sent it: stdin replies go to the same peer. */
  identities: Buffer[];
  allowStdin: boolean;
}

export type InputFunction = ((prompt?: string) => Promise<string>) & {
  password: (prompt?: string) => Promise<string>;
};

interface PendingInput {
  resolve: (value: string) => void;
  reject: (error: Error) => void;
}

export class StdinChannel {
  /** Keyed by the msg_id of the input_request, which the reply names as its parent. */
  private readonly pending = new Map<string, PendingInput>();

  constructor(
    /** The request the running code belongs to, if any. */
    private readonly origin: () => InputOrigin | undefined,
    /** Sends input_request on stdin; returns the msg_id it used. */
    private readonly sendRequest: (origin: InputOrigin, prompt: string, password: boolean) => string,
  ) {}

  readonly input: InputFunction = Object.assign((prompt?: string) => this.ask(prompt, false), {
    password: (prompt?: string) => this.ask(prompt, true),
  });

  /**
   * An input_reply arrived on stdin. Returns false when no request of ours matches it.
   * jupyter_client sends its reply without a parent header, so (as ipykernel does) a reply
   * that names no request answers the oldest one waiting.
   */
  receive(reply: JupyterMessage): boolean {
    if (reply.header.msg_type !== "input_reply") return false;
    const parentId = (reply.parent_header as { msg_id?: string } | undefined)?.msg_id;
    const id = parentId !== undefined && this.pending.has(parentId) ? parentId : this.pending.keys().next().value;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || pending === undefined) return false;
    this.pending.delete(id);
    pending.resolve(String((reply.content as { value?: unknown }).value ?? ""));
    return true;
  }

  /** The cell was interrupted: nobody is going to read the answers it waits for. */
  cancelAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private ask(prompt: unknown, password: boolean): Promise<string> {
    const origin = this.origin();
    if (origin === undefined || !origin.allowStdin) return Promise.reject(new StdinNotAllowedError());
    return new Promise((resolve, reject) => {
      const id = this.sendRequest(origin, prompt === undefined ? "" : String(prompt), password);
      this.pending.set(id, { resolve, reject });
    });
  }
}
