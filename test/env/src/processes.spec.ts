import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freezeProcess } from './processes.js';

describe('freezeProcess', () => {
  it('resolves only once the process is stopped, and it runs again after SIGCONT', async () => {
    // A multi-threaded process that keeps working: node with a busy timer.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1)'], { stdio: 'ignore' });
    const state = () => {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    };
    try {
      await new Promise((r) => setTimeout(r, 200));
      await freezeProcess(child.pid!);
      expect(state()).toBe('T');
      process.kill(child.pid!, 'SIGCONT');
      await expect.poll(state).not.toBe('T');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
