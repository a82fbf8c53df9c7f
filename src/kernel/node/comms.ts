/**
 * Jupyter comms in the Node kernel: long-lived channels between a cell's objects and the
 * front end (what widgets are built on). Either side opens one (`comm_open`), both send
 * on it (`comm_msg`), either closes it (`comm_close`); `comm_info_request` lists the open
 * ones. The kernel-side API, on the `jupyter` global:
 *
 *     jupyter.comm.registerTarget("counter", (comm, openMessage) => {
 *       comm.onMsg((msg) => comm.send({ echo: msg.content.data }));
 *     });
 *     const comm = jupyter.comm.open("status", { ready: true });
 *
 * Messages from the front end run the handlers under that message's header, so their
 * output goes with it; messages the kernel sends carry the running cell's header.
 */
import { randomUUID } from "node:crypto";
import type { CommCloseContent, CommMsgContent, CommOpenContent, JsonObject, JupyterMessage } from "../messages.js";

export type CommMessage = JupyterMessage & { content: { comm_id: string; data: JsonObject } };
type Handler = (message: CommMessage) => void;

/** How the comms reach the front end (iopub) and report a handler's failure. */
export interface CommSink {
  open(content: CommOpenContent, metadata: JsonObject): void;
  send(content: CommMsgContent, metadata: JsonObject, buffers: Buffer[]): void;
  close(content: CommCloseContent, metadata: JsonObject): void;
  handlerFailed(what: string, error: unknown): void;
}

export class Comm {
  private readonly messageHandlers: Handler[] = [];
  private readonly closeHandlers: Handler[] = [];
  private closed = false;

  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly manager: CommManager,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: JsonObject = {}, options: { metadata?: JsonObject; buffers?: Buffer[] } = {}): void {
    if (this.closed) throw new Error(`comm ${this.commId} (${this.targetName}) is closed`);
    this.manager.sink.send({ comm_id: this.commId, data }, options.metadata ?? {}, options.buffers ?? []);
  }

  close(data: JsonObject = {}, options: { metadata?: JsonObject } = {}): void {
    if (this.closed) return;
    this.manager.sink.close({ comm_id: this.commId, data }, options.metadata ?? {});
    this.ended();
  }

  onMsg(handler: Handler): this {
    this.messageHandlers.push(handler);
    return this;
  }

  onClose(handler: Handler): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** @internal The front end sent a message on this comm. */
  deliver(message: CommMessage): void {
    for (const handler of this.messageHandlers) this.manager.call(`comm ${this.targetName} onMsg`, handler, message);
  }

  /** @internal The front end closed it. */
  closedBy(message: CommMessage): void {
    this.ended();
    for (const handler of this.closeHandlers) this.manager.call(`comm ${this.targetName} onClose`, handler, message);
  }

  private ended(): void {
    this.closed = true;
    this.manager.forget(this.commId);
  }
}

export type TargetHandler = (comm: Comm, openMessage: CommMessage) => void;

export class CommManager {
  private readonly targets = new Map<string, TargetHandler>();
  private readonly comms = new Map<string, Comm>();

  constructor(readonly sink: CommSink) {}

  /** The `jupyter.comm` global. */
  readonly api = {
    registerTarget: (name: string, handler: TargetHandler): void => {
      if (typeof handler !== "function")
        throw new TypeError("registerTarget(name, handler): handler is not a function");
      this.targets.set(String(name), handler);
    },
    unregisterTarget: (name: string): boolean => this.targets.delete(String(name)),
    open: (targetName: string, data: JsonObject = {}, options: { metadata?: JsonObject } = {}): Comm => {
      const comm = new Comm(randomUUID(), String(targetName), this);
      this.comms.set(comm.commId, comm);
      this.sink.open({ comm_id: comm.commId, target_name: comm.targetName, data }, options.metadata ?? {});
      return comm;
    },
  };

  /** comm_open, comm_msg or comm_close from the front end. */
  receive(message: JupyterMessage): void {
    const content = message.content as { comm_id?: unknown; target_name?: unknown; data?: unknown };
    const commId = String(content.comm_id ?? "");
    const commMessage = {
      ...message,
      content: { ...content, comm_id: commId, data: content.data ?? {} },
    } as CommMessage;
    switch (message.header.msg_type) {
      case "comm_open": {
        const targetName = String(content.target_name ?? "");
        const handler = this.targets.get(targetName);
        if (handler === undefined) {
          // What ipykernel does: close it at once, so the front end does not wait on it.
          this.sink.close({ comm_id: commId, data: {} }, {});
          this.sink.handlerFailed(`comm_open`, new Error(`no comm target named ${JSON.stringify(targetName)}`));
          return;
        }
        const comm = new Comm(commId, targetName, this);
        this.comms.set(commId, comm);
        this.call(`comm target ${targetName}`, (opened: CommMessage) => handler(comm, opened), commMessage);
        return;
      }
      case "comm_msg":
        this.comms.get(commId)?.deliver(commMessage);
        return;
      case "comm_close":
        this.comms.get(commId)?.closedBy(commMessage);
        return;
    }
  }

  /** comm_info_reply's `comms`: the open comms, optionally of one target. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (targetName === undefined || targetName === comm.targetName)
        comms[comm.commId] = { target_name: comm.targetName };
    }
    return comms;
  }

  /** @internal */
  forget(commId: string): void {
    this.comms.delete(commId);
  }

  /** @internal Runs a user's handler; its failure is reported, never the kernel's. */
  call(what: string, handler: Handler, message: CommMessage): void {
    try {
      handler(message);
    } catch (error) {
      this.sink.handlerFailed(what, error);
    }
  }
}
