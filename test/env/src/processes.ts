import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface StartedProcess {
  name: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** Resolves when its output is flushed and its log file closed. */
  logClosed: Promise<void>;
}

const RUNS_PREFIX = 'kmm-hub-env-';

/**
 * Every server the environment starts, tracked by PID so that a stop (or a crash of the owner) ends exactly the
 * processes we started and nothing else.
 */
export class ProcessGroup {
  private readonly procs: StartedProcess[] = [];
  private readonly pidFile: string;

  constructor(readonly workDir: string) {
    this.pidFile = join(workDir, 'pids.json');
    // A synchronous last resort: 'exit' handlers cannot await, so SIGKILL whatever is still alive.
    process.once('exit', () => this.killAllSync());
  }

  start(
    name: string,
    command: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): StartedProcess {
    const logPath = join(this.workDir, `${name}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(command, args, {
      cwd: opts.cwd ?? this.workDir,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a terminal's Ctrl-C (SIGINT to the whole foreground group) must not stop the
      // servers under the hub and agents still shutting down; stop() ends them, in order, by PID.
      detached: true,
    });
    // Both streams feed one file: neither may end it (the other could still write), 'close' (all output read) does.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const logClosed = new Promise<void>((resolve) => child.once('close', () => log.end(() => resolve())));
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc: StartedProcess = { name, pid: child.pid, logPath, child, exited, logClosed };
    this.procs.push(proc);
    this.writePidFile();
    return proc;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  async stop(proc: StartedProcess, graceMs = 5_000): Promise<void> {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGTERM');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
      await proc.exited;
      clearTimeout(timer);
    }
    // A grandchild holding the output open must not hold up a stop.
    await Promise.race([proc.logClosed, new Promise((r) => setTimeout(r, 2_000).unref())]);
    const i = this.procs.indexOf(proc);
    if (i >= 0) this.procs.splice(i, 1);
    this.writePidFile();
  }

  /** Stops in reverse start order (API servers before etcd). */
  async stopAll(): Promise<void> {
    for (const p of this.procs.toReversed()) await this.stop(p);
  }

  private killAllSync(): void {
    for (const p of this.procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  }

  private writePidFile(): void {
    const entries = this.procs.map((p) => ({ name: p.name, pid: p.pid, cmdline: readCmdline(p.pid) }));
    writeFileSync(this.pidFile, JSON.stringify({ owner: process.pid, procs: entries }, null, 2));
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills servers left behind by an earlier environment whose owner died without stopping them (a SIGKILLed test
 * run). Only PIDs recorded by that run, and only while their command line is still the one recorded, so a reused
 * PID of somebody else's process is never touched.
 */
export function reapOrphans(base = tmpdir()): string[] {
  const reaped: string[] = [];
  for (const dir of readdirSync(base)) {
    if (!dir.startsWith(RUNS_PREFIX)) continue;
    const file = join(base, dir, 'pids.json');
    if (!existsSync(file)) continue;
    let record: { owner: number; procs: { name: string; pid: number; cmdline: string }[] };
    try {
      record = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (isAlive(record.owner)) continue;
    for (const p of record.procs) {
      if (isAlive(p.pid) && p.cmdline !== '' && readCmdline(p.pid) === p.cmdline) {
        process.kill(p.pid, 'SIGKILL');
        reaped.push(`${p.name}(${p.pid})`);
      }
    }
    writeFileSync(file, JSON.stringify({ owner: record.owner, procs: [] }));
  }
  return reaped;
}

export const ENV_DIR_PREFIX = RUNS_PREFIX;

/** Run states of every thread of a process, from /proc (a thread that exited meanwhile is left out). */
function threadStates(pid: number): string[] {
  const states: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      states.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return states;
}

/**
 * SIGSTOPs a process and resolves once every one of its threads has stopped. kill(2) returns before the group stop
 * completes: on a loaded machine a thread can still answer a request right after it, so a test of a frozen peer
 * must wait for this.
 */
export async function freezeProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  while (!threadStates(pid).every((s) => s === 'T' || s === 't')) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
