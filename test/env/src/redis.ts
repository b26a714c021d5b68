import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.js';
import type { ProcessGroup, StartedProcess } from './processes.js';
import { waitUntil } from './wait.js';

export interface RunningRedis {
  url: string;
  host: string;
  port: number;
  proc: StartedProcess;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
  });
}

/** Debian's redis-server with persistence off: Redis holds only jobs, which the controller can recreate. */
export async function startRedis(group: ProcessGroup, workDir: string, fixedPort?: number): Promise<RunningRedis> {
  // A fixed port brings a stopped Redis back at the address its clients know (an outage test).
  const port = fixedPort ?? (await freePort());
  const dir = join(workDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const proc = group.start('redis', 'redis-server', [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--protected-mode',
    'yes',
  ]);
  await waitUntil('redis', () => ping(port), { logPath: proc.logPath, exited: proc.exited });
  return { url: `redis://127.0.0.1:${port}`, host: '127.0.0.1', port, proc };
}
