// Selection changes must reach status at once, without waiting for a periodic re-check: this hub re-checks only
// every ten minutes, so anything shown here is driven by the ManagedCluster event itself.
import { newManagedClusterModule } from '@kmm-hub/api';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from './hub-under-test.testing.js';

const env = inject('env');

describe('cluster selection changes', () => {
  let t: HubUnderTest;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'selection', ['sel-1']);
    const { reconciler } = await t.startHub({ RECHECK_INTERVAL_S: '600', IMAGE_CHECK_TTL_S: '600' });
    await vi.waitFor(() => expect(reconciler.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('drops a cluster that had no ManifestWork yet from status as soon as it leaves the selection', async () => {
    await t.applyCluster('sel-1', { pick: 'yes' }, ['6.1.0-56-amd64']);
    const mcm = newManagedClusterModule({
      metadata: { name: 'sel' },
      spec: {
        spokeNamespace: 'kmm',
        selector: { pick: 'yes' },
        moduleSpec: {
          selector: {},
          moduleLoader: {
            container: {
              modprobe: { moduleName: 'sel' },
              kernelMappings: [{ regexp: '^6\\.', containerImage: `${env.registry.host}/selection/never-pushed:x` }],
              registryTLS: { insecure: true },
            },
          },
        },
      },
    });
    await t.applier.apply(mcm);
    await expect
      .poll(async () => (await t.getMcm('sel')).status?.clusters?.map((c) => `${c.name}:${c.state}`), {
        timeout: 20_000,
      })
      .toEqual(['sel-1:Degraded']);
    expect(await t.getMw('sel-1', 'sel')).toBeUndefined();

    await t.applyCluster('sel-1', { pick: 'no' }, ['6.1.0-56-amd64']);
    await expect.poll(async () => (await t.getMcm('sel')).status?.clusters ?? [], { timeout: 10_000 }).toEqual([]);
    expect((await t.getMcm('sel')).status?.numberSelected).toBe(0);
  });
});
