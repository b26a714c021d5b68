import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import type { ProcessGroup, StartedProcess } from './processes.js';
import { waitUntil } from './wait.js';

export interface RunningEtcd {
  url: string;
  proc: StartedProcess;
}

/** One etcd serves every API server of the environment; each cluster stores under its own prefix. */
export async function startEtcd(group: ProcessGroup, binDir: string, workDir: string): Promise<RunningEtcd> {
  const [client, peer] = [await freePort(), await freePort()];
  const dataDir = join(workDir, 'etcd');
  mkdirSync(dataDir, { recursive: true });
  const url = `http://127.0.0.1:${client}`;
  const proc = group.start('etcd', join(binDir, 'etcd'), [
    '--name=kmm-test',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=kmm-test=http://127.0.0.1:${peer}`,
    // Tests are throw-away: skip fsync and keep the WAL small.
    '--unsafe-no-fsync',
    '--quota-backend-bytes=2147483648',
    '--log-level=warn',
  ]);
  await waitUntil(
    'etcd',
    async () => {
      const res = await fetch(`${url}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    { logPath: proc.logPath, exited: proc.exited },
  );
  return { url, proc };
}
