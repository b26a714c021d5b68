import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_DIR_PREFIX, ProcessGroup, RUN_ENV, freezeProcess, reapOrphans } from './processes.js';

describe('freezeProcess', () => {
  it('resolves only once the process is stopped, and it runs again after SIGCONT', async () => {
    // A multi-threaded process that keeps working: node with a busy timer, which says when its timer runs.
    const child = spawn(process.execPath, ['-e', "setInterval(() => {}, 1); console.log('running')"], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const state = () => {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    };
    try {
      await once(child.stdout!, 'data');
      await freezeProcess(child.pid!);
      expect(state()).toBe('T');
      process.kill(child.pid!, 'SIGCONT');
      await expect.poll(state).not.toBe('T');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('ProcessGroup', () => {
  it('starts each server in a process group of its own, so a Ctrl-C to ours does not reach it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmm-process-group-'));
    const group = new ProcessGroup(dir);
    try {
      const proc = group.start('sleeper', 'sleep', ['30']);
      const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      expect(pgrp).toBe(proc.pid);
      expect(pgrp).not.toBe(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[2]));
    } finally {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ProcessGroup.stop', () => {
  it('ends what the server started along with it (its whole process group)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmm-process-group-'));
    const group = new ProcessGroup(dir);
    try {
      const proc = group.start('shell', 'bash', ['-c', 'sleep 300 & echo $!; wait']);
      const grandchild = await new Promise<number>((resolve) =>
        proc.child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      expect(isAlive(grandchild)).toBe(true);
      await group.stop(proc);
      await expect.poll(() => isAlive(grandchild)).toBe(false);
    } finally {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reapOrphans', () => {
  it.each([
    { record: { keepWorkDir: false }, removed: true },
    { record: { keepWorkDir: true }, removed: false },
    // Written by an older version, which recorded no choice: kept.
    { record: {}, removed: false },
  ])('a dead run recording $record has its work directory removed: $removed', async ({ record, removed }) => {
    const base = mkdtempSync(join(tmpdir(), 'kmm-reap-'));
    try {
      const dead = spawn('true');
      await new Promise((r) => dead.once('exit', r));
      const run = mkdtempSync(join(base, ENV_DIR_PREFIX));
      writeFileSync(join(run, 'pids.json'), JSON.stringify({ owner: dead.pid, procs: [], ...record }));
      expect(reapOrphans(base)).toEqual([]);
      expect(existsSync(run)).toBe(!removed);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('kills what the servers of a dead run started, by the mark in its environment, and nothing else', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kmm-reap-'));
    const sleep = (env: NodeJS.ProcessEnv) => spawn('sleep', ['300'], { env, stdio: 'ignore', detached: true });
    const run = mkdtempSync(join(base, ENV_DIR_PREFIX));
    // A build the hub started, in a session of its own, and a process of somebody else.
    const leftover = sleep({ ...process.env, [RUN_ENV]: run });
    const stranger = sleep({ ...process.env, [RUN_ENV]: `${run}-other` });
    try {
      const dead = spawn('true');
      await new Promise((r) => dead.once('exit', r));
      writeFileSync(join(run, 'pids.json'), JSON.stringify({ owner: dead.pid, keepWorkDir: false, procs: [] }));
      expect(reapOrphans(base)).toEqual([`sleep(${leftover.pid})`]);
      await expect.poll(() => isAlive(leftover.pid!)).toBe(false);
      expect(isAlive(stranger.pid!)).toBe(true);
    } finally {
      leftover.kill('SIGKILL');
      stranger.kill('SIGKILL');
      rmSync(base, { recursive: true, force: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
