import { clusterKubeConfig, freezeProcess, startDedicatedCluster, type DedicatedCluster } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeHttp } from './kube-http.js';
import { LeaderElector } from './leader-election.js';

const env = inject('env');

// A leader whose API server stops answering (frozen, as behind a black-holed network) must step down and must be
// able to shut down promptly: Lease calls time out after half the lease, not after KubeHttp's default 30 s.
describe('LeaderElector with a silent API server', () => {
  let cluster: DedicatedCluster;
  beforeAll(async () => {
    cluster = await startDedicatedCluster(env, 'lease-frozen');
    await new KubeHttp(clusterKubeConfig(cluster.info)).json('POST', '/api/v1/namespaces', {
      body: { metadata: { name: 'lease-frozen' } },
    });
  }, 120_000);
  afterAll(async () => {
    process.kill(cluster.pid, 'SIGCONT');
    await cluster?.stop();
  });

  it('steps down within the lease duration and stops within half a lease more', async () => {
    let leading = false;
    const elector = new LeaderElector(clusterKubeConfig(cluster.info), {
      namespace: 'lease-frozen',
      name: 'controller',
      identity: 'hub-a',
      leaseDurationSeconds: 4,
      onStartedLeading: () => {
        leading = true;
      },
      onStoppedLeading: () => {
        leading = false;
      },
    });
    elector.start();
    await expect.poll(() => leading, { timeout: 10_000 }).toBe(true);
    await freezeProcess(cluster.pid);
    try {
      const frozenAt = Date.now();
      await expect.poll(() => leading, { timeout: 10_000, interval: 100 }).toBe(false);
      // The last renewal was at most one retry period (4/3 s) before the freeze; stepping down comes before expiry.
      expect(Date.now() - frozenAt).toBeLessThan(4_000);
      const stopping = Date.now();
      await elector.stop();
      expect(Date.now() - stopping).toBeLessThan(2_000 + 1_500);
    } finally {
      process.kill(cluster.pid, 'SIGCONT');
    }
  });
});
