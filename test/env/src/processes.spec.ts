import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessGroup, freezeProcess } from './processes.js';

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
