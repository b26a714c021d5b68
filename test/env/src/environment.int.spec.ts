import { CoreV1Api } from '@kubernetes/client-node';
import { inject, describe, it, expect } from 'vitest';
import { clusterKubeConfig, clientNodeConfig } from './environment.js';

describe('test environment', () => {
  const env = inject('env');

  it('serves a hub and distinct spokes on loopback', async () => {
    expect(env.spokes.length).toBeGreaterThanOrEqual(2);
    const servers = [env.hub, ...env.spokes].map((c) => c.server);
    expect(new Set(servers).size).toBe(servers.length);
    for (const s of servers) expect(s).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('keeps each cluster in its own etcd prefix', async () => {
    const hub = clientNodeConfig(clusterKubeConfig(env.hub)).makeApiClient(CoreV1Api);
    const spoke = clientNodeConfig(clusterKubeConfig(env.spokes[0]!)).makeApiClient(CoreV1Api);
    const name = `only-on-hub-${Date.now()}`;
    await hub.createNamespace({ body: { metadata: { name } } });
    await expect(hub.readNamespace({ name })).resolves.toMatchObject({ metadata: { name } });
    await expect(spoke.readNamespace({ name })).rejects.toMatchObject({ code: 404 });
  });
});
