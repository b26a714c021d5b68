import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '@kmm-hub/test-env';
import { afterEach, describe, expect, inject, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const env = inject('env');

/** The hub in role api (read-only on the shared hub cluster), trusting the environment's real OIDC issuer. */
const hubEnv = {
  HUB_HOST: '127.0.0.1',
  HUB_ROLE: 'api',
  HUB_KUBECONFIG: env.hub.kubeconfigPath,
  REDIS_URL: env.redis.url,
  QUEUE_PREFIX: `apps-start-${Date.now()}`,
  OIDC_ISSUER_URL: env.oidc.issuer,
  OIDC_AUDIENCE: env.oidc.audience,
  OIDC_CLIENT_ID: env.oidc.clientId,
  OIDC_CLIENT_SECRET: env.oidc.clientSecret,
  OIDC_SESSION_SECRET: 'apps-start-session-secret-of-32-bytes-min',
  OIDC_ALLOW_HTTP: 'true',
  OIDC_GROUPS_CLAIM: env.oidc.groupsClaim,
  OIDC_ADMIN_GROUPS: env.oidc.groups.admin,
  OIDC_VIEWER_GROUPS: env.oidc.groups.viewer,
  LOG_LEVEL: 'warn',
};

describe('built apps', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it.each([
    ['hub', 'apps/hub/dist/main.js', 'HUB_PORT', hubEnv],
    ['spoke-agent', 'apps/spoke-agent/dist/main.js', 'SPOKE_PORT', { SPOKE_HOST: '127.0.0.1' }],
  ])('%s starts from its build output, answers /healthz and stops on SIGTERM', async (_name, entry, portVar, extra) => {
    expect(existsSync(`${ROOT}${entry}`), `${entry} missing: run npm run build first`).toBe(true);
    const port = await freePort();
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: { ...process.env, ...extra, [portVar]: String(port) },
      stdio: 'ignore',
    });
    children.push(child);
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status, {
        timeout: 20_000,
      })
      .toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad configuration at start-up, naming every problem', async () => {
    const child = spawn(process.execPath, ['apps/hub/dist/main.js'], {
      cwd: ROOT,
      env: { ...process.env, HUB_ROLE: 'leader', HUB_PORT: 'eighty', REDIS_URL: 'not a url' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('HUB_ROLE');
    expect(stderr).toContain('HUB_PORT');
    expect(stderr).toContain('REDIS_URL');
  });
});
