import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import type { ProcessGroup, StartedProcess } from './processes.js';
import type { RegistryInfo } from './env-state.js';
import { waitUntil } from './wait.js';

export interface RunningRegistry {
  info: RegistryInfo;
  proc: StartedProcess;
}

/** Debian's docker-registry (distribution 2.8) on loopback, anonymous or with htpasswd basic auth. */
export async function startRegistry(
  group: ProcessGroup,
  workDir: string,
  name: string,
  auth?: { username: string; password: string },
): Promise<RunningRegistry> {
  const port = await freePort();
  const dir = join(workDir, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const lines = [
    'version: 0.1',
    'log: {level: warn}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'data'))}}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}", secret: "${randomBytes(16).toString('hex')}"}`,
  ];
  if (auth) {
    const htpasswd = join(dir, 'htpasswd');
    // bcrypt is the only hash distribution accepts.
    const entry = execFileSync('htpasswd', ['-Bbn', auth.username, auth.password], { encoding: 'utf8' });
    writeFileSync(htpasswd, entry);
    lines.push(`auth: {htpasswd: {realm: kmm-test, path: ${JSON.stringify(htpasswd)}}}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');
  const proc = group.start(name, 'docker-registry', ['serve', config]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    name,
    async () => {
      const res = await fetch(`${url}/v2/`);
      return res.status === 200 || res.status === 401;
    },
    { logPath: proc.logPath, exited: proc.exited },
  );
  return { info: { url, host: `127.0.0.1:${port}`, logPath: proc.logPath, ...auth }, proc };
}
