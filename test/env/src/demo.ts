#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnvironment } from './environment.js';
import { freePort } from './ports.js';

// The local demo fleet: the real test environment (hub + two spokes, Redis, registry), the hub in role "all", and a
// spoke agent per spoke, until Ctrl-C stops everything that was started here.
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

async function main(): Promise<void> {
  const env = await startEnvironment({ spokes: 2, log: (l) => process.stdout.write(`${l}\n`) });
  const children: ChildProcess[] = [];
  const run = (name: string, entry: string, vars: Record<string, string>) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(ROOT, entry)], {
      env: { ...process.env, ...vars },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code) => process.stdout.write(`${name} exited (${code})\n`));
    children.push(child);
  };
  const hubPort = await freePort();
  run('hub', 'apps/hub/dist/main.js', {
    HUB_PORT: String(hubPort),
    HUB_HOST: '127.0.0.1',
    HUB_KUBECONFIG: env.state.hub.kubeconfigPath,
    REDIS_URL: env.state.redis.url,
    LOG_LEVEL: 'warn',
  });
  for (const spoke of env.state.spokes) {
    run(`spoke-agent ${spoke.name}`, 'apps/spoke-agent/dist/main.js', {
      SPOKE_PORT: String(await freePort()),
      SPOKE_HOST: '127.0.0.1',
      CLUSTER_NAME: spoke.name,
      HUB_KUBECONFIG: env.state.hub.kubeconfigPath,
      SPOKE_KUBECONFIG: spoke.kubeconfigPath,
      LOG_LEVEL: 'warn',
    });
  }
  process.stdout.write(
    [
      '',
      'KMM-Hub demo fleet is up:',
      `  hub API server     ${env.state.hub.server}   kubectl --kubeconfig ${env.state.hub.kubeconfigPath} get managedclustermodules`,
      ...env.state.spokes.map(
        (s) => `  ${s.name.padEnd(18)} ${s.server}   kubectl --kubeconfig ${s.kubeconfigPath} get modules -A`,
      ),
      `  hub                http://127.0.0.1:${hubPort}/healthz`,
      `  redis              ${env.state.redis.url}`,
      `  registry           ${env.state.registry.url}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await env.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
