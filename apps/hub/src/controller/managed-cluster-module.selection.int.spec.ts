// Selection changes must reach status at once, without waiting for a periodic re-check: this hub re-checks only
// every ten minutes, so anything shown here is driven by the ManagedCluster event itself.
import { LABELS, RESOURCES, newLoaderManagedClusterModule, newManagedClusterModule } from '@kmm-hub/api';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from '../testing/hub-under-test.testing.js';

const env = inject('env');

describe('cluster selection changes', () => {
  let t: HubUnderTest;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'selection', ['sel-1', 'pl-1', 'pl-2', 'fleet']);
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

  it('selects through an OCM Placement: only the clusters its decisions name, following them as they change', async () => {
    for (const c of ['pl-1', 'pl-2']) await t.applyCluster(c, { pick: 'placement' }, ['6.1.0-56-amd64']);
    const mcm = newLoaderManagedClusterModule({
      name: 'placed',
      selector: { pick: 'placement' },
      regexp: '^6\\.',
      image: `${env.registry.host}/selection/never-pushed:x`,
    });
    mcm.spec.placementRef = { namespace: 'fleet', name: 'gpus' };
    await t.applier.apply(mcm);
    const selected = async () => (await t.getMcm('placed')).status?.clusters?.map((c) => c.name);
    // No decision yet: nothing is selected, although both clusters match the labels.
    await expect.poll(async () => (await t.getMcm('placed')).status?.numberSelected, { timeout: 20_000 }).toBe(0);

    const { apiVersion, plural } = RESOURCES.PlacementDecision;
    const path = `/apis/${apiVersion}/namespaces/fleet/${plural}`;
    await t.http.json('POST', path, {
      body: {
        apiVersion,
        kind: 'PlacementDecision',
        metadata: { name: 'gpus-decision-1', labels: { [LABELS.ocmPlacement]: 'gpus' } },
      },
    });
    // The OCM placement controller writes decisions into status; here the test plays it.
    const decide = (clusters: string[]) =>
      t.http.json('PATCH', `${path}/gpus-decision-1/status`, {
        body: { status: { decisions: clusters.map((clusterName) => ({ clusterName, reason: 'test' })) } },
        contentType: 'application/merge-patch+json',
      });
    await decide(['pl-1', 'not-a-cluster']);
    await expect.poll(selected, { timeout: 20_000 }).toEqual(['pl-1']);
    await decide(['pl-2']);
    await expect.poll(selected, { timeout: 20_000 }).toEqual(['pl-2']);
  });
});
