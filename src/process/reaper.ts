/**
 * No child survives the supervisor, even when it is killed with SIGKILL (which runs no
 * handler at all). The Reaper is a ProcessGroupTracker that mirrors every tracked
 * group to a small guardian process (reaper-main.ts) over a pipe. The kernel closes
 * that pipe when the supervisor dies, however it dies; the guardian then ends every
 * group still tracked. A clean shutdown calls close() first, so nothing is killed.
 *
 * A group is started before the guardian can hear of it (track() is a line on a pipe,
 * read 15-50 ms later under load). So that no started group is ever unknown to it,
 * every child also carries a marker in its environment (childEnv, set at exec time):
 * when the supervisor dies, the guardian also ends every process whose environment
 * holds the marker, whether or not its track line arrived.
 *
 * The guardian gets none of the supervisor's stdout/stderr (a reader of the
 * supervisor's output sees EOF when the supervisor exits) and does not keep the
 * supervisor's event loop alive.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProcessGroupTracker } from "./tracker.js";
import { encodeCommand, MARKER_VARIABLE, READY_LINE, type ReaperCommand } from "./reaper-protocol.js";

const START_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5000;

function guardianCommand(): { script: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const extension = extname(here);
  // Run from sources (tsx) the guardian is a .ts file too and needs the same loader.
  return {
    script: join(dirname(here), `reaper-main${extension}`),
    execArgv: extension === ".ts" ? ["--import", "tsx"] : [],
  };
}

export class Reaper implements ProcessGroupTracker {
  private closed = false;
  private readonly exited: Promise<void>;

  readonly childEnv: Readonly<Record<string, string>>;

  private constructor(
    private readonly guardian: ChildProcess,
    marker: string,
  ) {
    this.childEnv = { [MARKER_VARIABLE]: marker };
    this.exited = new Promise((resolve) => {
      if (guardian.exitCode !== null || guardian.signalCode !== null) resolve();
      else guardian.once("exit", () => resolve());
    });
  }

  /** Starts the guardian and resolves once it listens. */
  static async start(): Promise<Reaper> {
    const { reaper, ready } = Reaper.launch();
    await ready;
    return reaper;
  }

  /**
   * Starts the guardian and hands back its Reaper at once, with `ready` settling once the
   * guardian listens (it rejects, the guardian killed, if it does not start). Groups can
   * be tracked meanwhile: the lines wait in the pipe, and the marker covers them anyway.
   * This is what lets the supervisor launch kernels while the guardian boots.
   */
  static launch(): { reaper: Reaper; ready: Promise<void> } {
    const { script, execArgv } = guardianCommand();
    const marker = `${process.pid}-${randomBytes(6).toString("hex")}`;
    const guardian = spawn(process.execPath, [...execArgv, script, marker], {
      cwd: "/",
      detached: true,
      stdio: ["pipe", "pipe", "ignore"],
    });
    guardian.stdin!.on("error", () => undefined);
    const ready = new Promise<void>((resolve, reject) => {
      let output = "";
      const fail = (why: string) => {
        clearTimeout(timer);
        guardian.kill("SIGKILL");
        reject(new Error(`the reaper guardian did not start: ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      const onError = (error: Error) => fail(error.message);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`it exited (${signal ?? `code ${code}`})`);
      guardian.once("error", onError);
      guardian.once("exit", onExit);
      guardian.stdout!.setEncoding("utf8").on("data", (data: string) => {
        output += data;
        if (output.includes(`${READY_LINE}\n`)) {
          clearTimeout(timer);
          guardian.off("exit", onExit);
          guardian.off("error", onError);
          resolve();
        }
      });
    }).then(() => {
      guardian.stdout!.destroy();
      guardian.unref();
      (guardian.stdin as Socket).unref();
    });
    return { reaper: new Reaper(guardian, marker), ready };
  }

  /** The guardian's pid (for tests and `jaffle status`). */
  get pid(): number {
    return this.guardian.pid!;
  }

  track(pgid: number, label: string): void {
    this.send({ kind: "track", pgid, label });
  }

  untrack(pgid: number): void {
    this.send({ kind: "untrack", pgid });
  }

  /** Tells the guardian to exit without killing anything, and waits until it has. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.send({ kind: "close" });
      this.closed = true;
      this.guardian.stdin!.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.guardian.kill("SIGKILL");
  }

  private send(command: ReaperCommand): void {
    if (this.closed || this.guardian.stdin!.destroyed) return;
    this.guardian.stdin!.write(encodeCommand(command));
  }
}
