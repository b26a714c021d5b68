// A very large fleet must not push a ManagedClusterModule past etcd's object size limit: status.clusters keeps
// what fits in STATUS_MAX_CLUSTER_BYTES (set tiny here so six clusters overflow it), clusters that need attention
// first, and counts the rest in clustersOmitted.
import { newLoaderManagedClusterModule } from '@kmm-hub/api';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from '../testing/hub-under-test.testing.js';

const env = inject('env');
const KERNEL_OK = '6.1.0-56-amd64';
const KERNEL_MISSING = '6.1.0-99-amd64';
const READY = ['size-1', 'size-2', 'size-3', 'size-4', 'size-5'];
const BROKEN = 'size-6';
const MAX_BYTES = 1_000;

describe('status size limit', () => {
  let t: HubUnderTest;
  const repository = `status-size/${Date.now()}`;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'status-size', [...READY, BROKEN]);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    await pushImage(registry, repository, KERNEL_OK, [{ path: '/opt/lib/modules/x.ko', content: Buffer.from('x') }]);
    for (const c of READY) await t.applyCluster(c, { size: 'yes' }, [KERNEL_OK]);
    await t.applyCluster(BROKEN, { size: 'yes' }, [KERNEL_MISSING]);
    const { reconciler } = await t.startHub({ STATUS_MAX_CLUSTER_BYTES: String(MAX_BYTES) });
    await vi.waitFor(() => expect(reconciler.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('lists what fits, the degraded cluster first, and counts the Ready clusters left out', async () => {
    await t.applier.apply(
      newLoaderManagedClusterModule({
        name: 'size',
        selector: { size: 'yes' },
        regexp: '^6\\.1\\.',
        image: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}`,
      }),
    );
    for (const cluster of READY) {
      await expect.poll(() => t.getMw(cluster, 'size'), { timeout: 20_000 }).toBeDefined();
      await t.reportApplied(cluster, 'size');
    }

    await expect
      .poll(async () => (await t.getMcm('size')).status?.numberAvailable, { timeout: 30_000 })
      .toBe(READY.length);
    await expect
      .poll(async () => (await t.getMcm('size')).status?.clusters?.find((c) => c.name === BROKEN)?.state, {
        timeout: 20_000,
      })
      .toBe('Degraded');
    const status = (await t.getMcm('size')).status!;
    const listed = status.clusters ?? [];
    expect(status.numberSelected).toBe(READY.length + 1);
    expect(status.clustersOmitted).toBeGreaterThan(0);
    expect(listed.length + status.clustersOmitted!).toBe(READY.length + 1);
    expect(listed.filter((c) => c.state !== 'Ready').map((c) => c.name)).toEqual([BROKEN]);
    expect(listed.reduce((n, c) => n + JSON.stringify(c).length + 1, 0)).toBeLessThanOrEqual(MAX_BYTES);
    // The conditions still cover every cluster.
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Degraded).toMatchObject({ status: 'True', message: expect.stringContaining(BROKEN) });
  });
});
