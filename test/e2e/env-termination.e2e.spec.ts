// Every process the demo and `kmm-test-env up --fleet` start (etcd, API servers, Redis, registries, the built hub
// and spoke agents, buildah: test/env/dist and apps/*/dist, `npm run build` first) ends however a terminal ends
// them, and the work directory goes with them. Each runs as `npm start` is run with its output piped
// (`… 2>&1 | tee file`), in a session of its own like a terminal's foreground job, so a signal to the group reaches
// tee too: tee dies first and every later write to the pipe fails with EPIPE. The environment CLI with the hub and
// one agent is the cheap subject for every signal; the demo itself (two spokes, builds under way) takes the Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_DIR_PREFIX, reapOrphans } from '@kmm-hub/test-env';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const PROGRAMS = {
  env: {
    command: 'npm run env --silent -- up --spokes 1 --fleet',
    entry: 'test/env/dist/cli.js',
    ready: /Ctrl-C stops everything/,
    readyWithinMs: 240_000,
  },
  // The process scripts/demo.sh (npm start) execs once install and build are done; ready once the live table shows.
  demo: {
    command: 'node --enable-source-maps test/env/dist/demo.js',
    entry: 'test/env/dist/demo.js',
    ready: /\] module +cluster +state/,
    readyWithinMs: 480_000,
  },
} as const;

interface Proc {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat): a reused PID has another. */
  start: string;
  cmdline: string;
}

function readStat(pid: number): { ppid: number; state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Every process below `root`, by parent PID; detached servers are still children of the process that spawned them. */
function descendants(root: number): Proc[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    const stat = Number.isInteger(pid) ? readStat(pid) : undefined;
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const out: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of children.get(queue.shift()!) ?? []) {
      const stat = readStat(pid);
      if (stat) out.push({ pid, start: stat.start, cmdline: readCmdline(pid) });
      queue.push(pid);
    }
  }
  return out;
}

/** Still running: the same process (not a reused PID) and not a zombie waiting to be reaped. */
function isRunning(p: Proc): boolean {
  const stat = readStat(p.pid);
  return stat !== undefined && stat.start === p.start && stat.state !== 'Z' && stat.state !== 'X';
}

describe('the demo and kmm-test-env up --fleet with their output piped', () => {
  let base: string | undefined;
  let started: Proc[] = [];

  afterEach(() => {
    // Whatever outlived the case (the bug this proves absent) is ours: end it by PID.
    for (const p of started) if (isRunning(p)) process.kill(p.pid, 'SIGKILL');
    started = [];
    if (base) rmSync(base, { recursive: true, force: true });
    base = undefined;
  });

  it.each([
    { program: 'env', signal: 'SIGINT', to: 'group', why: 'Ctrl-C: the terminal signals the whole foreground group' },
    { program: 'env', signal: 'SIGHUP', to: 'group', why: 'the terminal is closed' },
    { program: 'env', signal: 'SIGTERM', to: 'node', why: 'kill PID' },
    { program: 'env', signal: 'SIGKILL', to: 'node', why: 'killed outright' },
    { program: 'demo', signal: 'SIGINT', to: 'group', why: 'Ctrl-C while the live table runs and the hub builds' },
  ] as const)(
    '$program ends every process it started on $signal to the $to ($why)',
    async ({ program: name, signal, to }) => {
      const program = PROGRAMS[name];
      for (const entry of [program.entry, 'apps/hub/dist/main.js', 'apps/spoke-agent/dist/main.js']) {
        expect(existsSync(join(ROOT, entry)), `${entry} missing: run npm run build first`).toBe(true);
      }
      // A temp folder of its own, so this run's work directory (and only it) is found and reaped.
      base = mkdtempSync(join(tmpdir(), 'kmm-hub-termination-'));
      const out = join(base, 'out.log');
      const shell = spawn('bash', ['-c', `${program.command} 2>&1 | tee ${JSON.stringify(out)} >/dev/null`], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: base },
        stdio: 'ignore',
        detached: true,
      });
      const shellExited = new Promise((r) => shell.once('exit', r));
      const session = shell.pid!;
      await expect
        .poll(() => (existsSync(out) ? readFileSync(out, 'utf8') : ''), {
          timeout: program.readyWithinMs,
          interval: 500,
        })
        .toMatch(program.ready);

      started = descendants(session);
      const names = started.map((p) => p.cmdline);
      expect(names.some((c) => c.includes('apps/hub/dist/main.js'))).toBe(true);
      expect(names.some((c) => c.includes('apps/spoke-agent/dist/main.js'))).toBe(true);
      expect(names.some((c) => c.startsWith('etcd') || c.includes('/etcd '))).toBe(true);
      expect(names.some((c) => c.startsWith('tee'))).toBe(true);
      const workDirs = readdirSync(base).filter((d) => d.startsWith(ENV_DIR_PREFIX));
      expect(workDirs).toHaveLength(1);
      const workDir = join(base, workDirs[0]!);
      // The hub and agents are recorded with the servers, for the next run to reap should they outlive us.
      const recorded = (JSON.parse(readFileSync(join(workDir, 'pids.json'), 'utf8')) as { procs: { name: string }[] })
        .procs;
      expect(recorded.map((p) => p.name)).toEqual(expect.arrayContaining(['hub', 'spoke-agent-spoke-1']));

      const main = started.find((p) => /^(\S*\/)?node /.test(p.cmdline) && p.cmdline.includes(program.entry));
      expect(main).toBeDefined();
      process.kill(to === 'group' ? -session : main!.pid, signal);

      await expect
        .poll(() => started.filter(isRunning).map((p) => `${p.pid} ${p.cmdline.slice(0, 100)}`), {
          timeout: 60_000,
          interval: 250,
        })
        .toEqual([]);
      await shellExited;
      // A killed process cleans nothing up: its children die with it and the next run removes its work directory.
      if (signal === 'SIGKILL') reapOrphans(base);
      expect(existsSync(workDir), readFileSync(out, 'utf8').slice(-2_000)).toBe(false);
    },
    660_000,
  );
});
