import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
 * Set to the work directory in the environment of every server, and so inherited by whatever a server starts (the
 * hub's buildah): a mark no unrelated process carries, by which the next run finds what outlived a killed one.
 */
export const RUN_ENV = 'KMM_HUB_ENV_RUN';

/** What pids.json records: enough for a later run to reap what a dead one left (see reapOrphans). */
interface RunRecord {
  owner: number;
  /** Absent in files of older versions: their work directories are never removed. */
  keepWorkDir?: boolean;
  /** `start` (since boot, in clock ticks) identifies the process; older files recorded `cmdline` instead. */
  procs: { name: string; pid: number; start?: string; cmdline?: string }[];
}

/**
 * `command args` run so that the kernel SIGKILLs it when the process that spawned it dies, even by SIGKILL
 * (prctl PR_SET_PDEATHSIG through util-linux setpriv, which then execs the command under the same PID). The signal
 * follows the spawning thread: spawn only from the main thread.
 */
export function dieWithParent(command: string, args: string[]): [string, string[]] {
  return ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/**
 * Every server the environment starts, tracked by PID so that a stop (or a crash of the owner) ends exactly the
 * processes we started and nothing else. Each runs in a process group of its own that it leads, so its own children
 * (the hub's buildah) are signalled with it, and dies with our process (dieWithParent).
 */
export class ProcessGroup {
  private readonly procs: StartedProcess[] = [];
  private readonly pidFile: string;
  private readonly keepWorkDir: boolean;

  constructor(
    readonly workDir: string,
    opts: { keepWorkDir?: boolean } = {},
  ) {
    this.pidFile = join(workDir, 'pids.json');
    this.keepWorkDir = opts.keepWorkDir ?? false;
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
    const child = spawn(...dieWithParent(command, args), {
      cwd: opts.cwd ?? this.workDir,
      env: { ...(opts.env ?? process.env), [RUN_ENV]: this.workDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a terminal's Ctrl-C (SIGINT to the whole foreground group) must not stop the
      // servers under the hub and agents still shutting down; stop() ends them, in order, by their group's PID.
      detached: true,
    });
    // Both streams feed one file: neither may end it (the other could still write), 'close' (all output read) does.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const logClosed = new Promise<void>((resolve) => child.once('close', () => log.end(() => resolve())));
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command} through setpriv of util-linux)`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc: StartedProcess = { name, pid: child.pid, logPath, child, exited, logClosed };
    this.procs.push(proc);
    this.writePidFile();
    return proc;
  }

  /** SIGTERM to its process group, then SIGKILL after graceMs; resolves when the process and its group are gone. */
  async stop(proc: StartedProcess, graceMs = 5_000): Promise<void> {
    if (isRunning(proc)) {
      signalGroup(proc.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(proc.pid, 'SIGKILL'), graceMs);
      await proc.exited;
      clearTimeout(timer);
      // What it started and left behind (a build it did not wait for) ends with it. Only now, just after its exit:
      // the PID of a process that exited long ago may lead somebody else's group by then.
      signalGroup(proc.pid, 'SIGKILL');
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
    for (const p of this.procs) if (isRunning(p)) signalGroup(p.pid, 'SIGKILL');
  }

  private writePidFile(): void {
    const record: RunRecord = {
      owner: process.pid,
      keepWorkDir: this.keepWorkDir,
      procs: this.procs.map((p) => ({ name: p.name, pid: p.pid, start: startTime(p.pid) })),
    };
    writeFileSync(this.pidFile, JSON.stringify(record, null, 2));
  }
}

/** Not yet exited and reaped: until then its PID, and so its process group's, cannot belong to anybody else. */
function isRunning(p: StartedProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** Signals the process group a server leads (its PID): the server and whatever it started. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  signalProcess(-pid, signal);
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Field 22 of /proc/PID/stat: when the process started, fixed across exec and different for a reused PID. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
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

/** Work directory (RUN_ENV) → the processes whose environment carries it, from one pass over /proc. */
function processesByRun(): Map<string, number[]> {
  const prefix = `\0${RUN_ENV}=`;
  const runs = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = `\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
    } catch {
      continue; // Gone meanwhile, or not ours to read.
    }
    const at = environ.indexOf(prefix);
    if (at < 0) continue;
    const end = environ.indexOf('\0', at + prefix.length);
    const run = environ.slice(at + prefix.length, end < 0 ? undefined : end);
    runs.set(run, [...(runs.get(run) ?? []), pid]);
  }
  return runs;
}

/** Is this still the process a run recorded (and not another one that was given its PID since)? */
function isRecordedProcess(p: RunRecord['procs'][number]): boolean {
  if (!isAlive(p.pid)) return false;
  if (p.start !== undefined) return startTime(p.pid) === p.start;
  return p.cmdline !== undefined && p.cmdline !== '' && readCmdline(p.pid) === p.cmdline;
}

/**
 * Kills what an earlier environment left behind when its owner died without stopping it (a SIGKILLed run): servers
 * that outlived it (a run of an older version, without dieWithParent) and whatever they started (RUN_ENV), then
 * removes its work directory unless it was to be kept. Only PIDs recorded by that run while they are still the
 * process recorded, and processes carrying its mark, so a reused PID of somebody else's process is never touched.
 */
export function reapOrphans(base = tmpdir()): string[] {
  const reaped: string[] = [];
  let byRun: Map<string, number[]> | undefined;
  for (const dir of readdirSync(base)) {
    if (!dir.startsWith(RUNS_PREFIX)) continue;
    const file = join(base, dir, 'pids.json');
    if (!existsSync(file)) continue;
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (isAlive(record.owner)) continue;
    for (const p of record.procs) {
      if (isRecordedProcess(p)) {
        signalGroup(p.pid, 'SIGKILL');
        reaped.push(`${p.name}(${p.pid})`);
      }
    }
    // What the servers started and left running when they died with their owner (a build of the hub).
    byRun ??= processesByRun();
    const recorded = new Set(record.procs.map((p) => p.pid));
    for (const pid of (byRun.get(join(base, dir)) ?? []).filter((p) => !recorded.has(p))) {
      const name = readCmdline(pid).split('\0')[0];
      signalProcess(pid, 'SIGKILL');
      reaped.push(`${name}(${pid})`);
    }
    if (record.keepWorkDir === false) {
      execFileSync('rm', ['-rf', join(base, dir)]);
    } else {
      writeFileSync(file, JSON.stringify({ ...record, procs: [] }));
    }
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
