import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir, waitFor } from "../helpers/index.js";
import { Reaper } from "../../src/process/reaper.js";
import { GroupJanitor, isRunning, processFixtures } from "./support.js";

const reaperModule = join(repoRoot, "dist", "src", "process", "reaper.js");

interface FakeSupervisor {
  supervisorPid: number;
  reaperPid: number;
  leader: number;
  grandchild: number;
  output: () => string;
  ended: Promise<void>;
}

/** The process group id of a live process (field 5 of /proc/PID/stat). */
function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

async function startFakeSupervisor(t: Parameters<typeof tempDir>[0], mode?: string): Promise<FakeSupervisor> {
  const pidFile = join(tempDir(t), "pids.json");
  const args = [join(processFixtures, "fake-supervisor.mjs"), reaperModule, pidFile];
  if (mode) args.push(mode);
  const supervisor = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
  let output = "";
  supervisor.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  // EOF on the supervisor's stdout: proves the guardian does not hold it open.
  const ended = new Promise<void>((resolve) => supervisor.stdout.once("end", () => resolve()));
  const janitor = new GroupJanitor(t);
  janitor.add(supervisor.pid!);
  const match = await waitFor(
    () => /tracked (\d+) reaper (\d+)\n/.exec(output),
    "the fake supervisor to track its child",
  );
  const groupPid = Number(match[1]);
  const reaperPid = Number(match[2]);
  janitor.add(groupPid);
  janitor.add(reaperPid);
  await waitFor(() => existsSync(pidFile), "the group's pid file");
  const { leader, grandchild } = JSON.parse(readFileSync(pidFile, "utf8")) as { leader: number; grandchild: number };
  // The command is in the tracked group (behind a tty it runs under a wrapper shell,
  // which leads the group).
  assert.equal(processGroupOf(leader), groupPid);
  return { supervisorPid: supervisor.pid!, reaperPid, leader, grandchild, output: () => output, ended };
}

test("a SIGKILLed supervisor leaves no tracked child behind", async (t) => {
  const fake = await startFakeSupervisor(t);
  assert.ok(isRunning(fake.leader) && isRunning(fake.grandchild) && isRunning(fake.reaperPid));
  process.kill(fake.supervisorPid, "SIGKILL");
  await fake.ended;
  await waitFor(() => !isRunning(fake.leader) && !isRunning(fake.grandchild), "the tracked group to be ended", 15_000);
  await waitFor(() => !isRunning(fake.reaperPid), "the guardian to exit", 15_000);
  assert.equal(isRunning(fake.supervisorPid), false);
});

test("a supervisor SIGKILLed before its guardian booted leaves no child behind (its ready line meets a closed pipe)", async (t) => {
  const pidFile = join(tempDir(t), "pids.json");
  const args = [join(processFixtures, "fake-supervisor.mjs"), reaperModule, pidFile, "die-before-ready"];
  const supervisor = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
  const janitor = new GroupJanitor(t);
  janitor.add(supervisor.pid!);
  let output = "";
  supervisor.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
    supervisor.once("exit", (_code, signal) => resolve(signal)),
  );
  assert.equal(exit, "SIGKILL");
  const match = /tracked (\d+) reaper (\d+)\n/.exec(output);
  assert.ok(match, output);
  const [groupPid, reaperPid] = [Number(match[1]), Number(match[2])];
  janitor.add(groupPid);
  janitor.add(reaperPid);
  await waitFor(() => !isRunning(groupPid), "the group started before the guardian booted to be ended", 15_000);
  await waitFor(() => !isRunning(reaperPid), "the guardian to exit", 15_000);
});

test("a SIGKILLed supervisor leaves no tty process (node-pty) behind either", async (t) => {
  const fake = await startFakeSupervisor(t, "managed-tty");
  assert.ok(isRunning(fake.leader) && isRunning(fake.grandchild));
  process.kill(fake.supervisorPid, "SIGKILL");
  await fake.ended;
  await waitFor(() => !isRunning(fake.leader) && !isRunning(fake.grandchild), "the tty group to be ended", 15_000);
  await waitFor(() => !isRunning(fake.reaperPid), "the guardian to exit", 15_000);
});

test("close() makes the guardian exit without killing anything", async (t) => {
  const fake = await startFakeSupervisor(t, "close");
  await fake.ended;
  // The fake supervisor looked at its group after close() and then killed it itself.
  assert.match(fake.output(), /closed alive=true\n/);
  assert.equal(isRunning(fake.reaperPid), false);
  await waitFor(() => !isRunning(fake.leader) && !isRunning(fake.grandchild), "the group to end");
});

test("Reaper in this process: untracked groups survive the guardian's exit, tracked ones do not", async (t) => {
  const reaper = await Reaper.start();
  const janitor = new GroupJanitor(t);
  janitor.add(reaper.pid);
  const spawnGroup = () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    janitor.add(child.pid!);
    return child.pid!;
  };
  const kept = spawnGroup();
  const ended = spawnGroup();
  reaper.track(kept, "kept");
  reaper.track(ended, "ended");
  reaper.untrack(kept);
  // SIGTERM to the guardian is treated like the supervisor's death: end tracked groups.
  process.kill(reaper.pid, "SIGTERM");
  await waitFor(() => !isRunning(ended), "the tracked group to end", 15_000);
  await waitFor(() => !isRunning(reaper.pid), "the guardian to exit", 15_000);
  assert.equal(isRunning(kept), true);
  process.kill(-kept, "SIGKILL");
  await reaper.close();
});

test("Reaper.launch(): groups tracked before the guardian listens are ended like the others", async (t) => {
  const { reaper, ready } = Reaper.launch();
  const janitor = new GroupJanitor(t);
  janitor.add(reaper.pid);
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
  janitor.add(child.pid!);
  // Tracked at once, while the guardian may still be booting: the line waits in the pipe.
  reaper.track(child.pid!, "early");
  await ready;
  process.kill(reaper.pid, "SIGTERM");
  await waitFor(() => !isRunning(child.pid!), "the group tracked before ready to end", 15_000);
  await waitFor(() => !isRunning(reaper.pid), "the guardian to exit", 15_000);
  await reaper.close();
});
