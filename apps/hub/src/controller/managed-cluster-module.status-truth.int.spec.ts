// Status must not claim more than it knows: what the MCM status and Events say while clusters are unplanned, images
// are built, the work agent has not reported or refuses an apply, no kernel matches any more, and the MCM is deleted.
import { CoreV1Api } from '@kubernetes/client-node';
import { FINALIZERS, newLoaderManagedClusterModule, type Condition, type ManagedClusterModule } from '@kmm-hub/api';
import { Informer } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { clientNodeConfig, pushImage, workConditions } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HUB_NAMESPACE, startHubUnderTest, type HubUnderTest } from '../testing/hub-under-test.testing.js';

const env = inject('env');
const repository = `status-truth/${Date.now()}`;
const K = '5.14.0-284.el9.x86_64';
const UNMAPPED = '4.18.0-553.el8.x86_64';
const CLEANUP = FINALIZERS.ocmManifestWorkCleanup;

describe('ManagedClusterModule status', () => {
  let t: HubUnderTest;
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
  const image = (mcm: string) => `${env.registry.host}/${repository}/${mcm}:\${KERNEL_FULL_VERSION}`;
  const rendered = (mcm: string) => `${env.registry.host}/${repository}/${mcm}:${K}`;
  const conditionOf = async (mcm: string, type: string) =>
    (await t.getMcm(mcm).catch(() => undefined))?.status?.conditions?.find((c) => c.type === type);
  const clusterOf = async (mcm: string, cluster: string) =>
    (await t.getMcm(mcm)).status?.clusters?.find((c) => c.name === cluster);
  const events = async (mcm: string) =>
    (
      await t.http.json<{ items: { reason: string; message: string; type: string }[] }>(
        'GET',
        `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${mcm}`)}`,
      )
    ).items;
  /** A work agent's report on the current generation: work conditions, and the Module's own Applied condition. */
  const report = async (cluster: string, mcm: string, applied: { status: 'True' | 'False'; message: string }) => {
    const mw = (await t.getMw(cluster, mcm))!;
    const module = mw.spec!.workload!.manifests![0]!;
    await t.http.json('PATCH', `${t.mwPath(cluster, mcm)}/status`, {
      body: {
        status: {
          conditions: [
            {
              ...workConditions(mw.metadata.generation, ['Applied'])[0],
              status: applied.status,
              reason: applied.status === 'True' ? 'AppliedManifestWorkComplete' : 'AppliedManifestWorkFailed',
              message: applied.status === 'True' ? 'Apply manifest work complete' : 'Failed to apply manifest work',
            },
          ],
          resourceStatus: {
            manifests: [
              {
                resourceMeta: {
                  group: 'kmm.sigs.x-k8s.io',
                  version: 'v1beta1',
                  kind: 'Module',
                  resource: 'modules',
                  name: module.metadata?.['name'],
                  namespace: module.metadata?.['namespace'],
                  ordinal: 0,
                },
                conditions: [
                  {
                    ...workConditions(mw.metadata.generation, ['Applied'])[0],
                    status: applied.status,
                    reason: applied.status === 'True' ? 'AppliedManifestComplete' : 'AppliedManifestFailed',
                    message: applied.message,
                  },
                ],
              },
            ],
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
  };

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'status-truth', [
      'truth-a1',
      'truth-a2',
      'truth-b',
      'truth-c',
      'truth-d',
      'truth-e',
    ]);
    // Every status change is written at once, so the write that follows a spec change is not deferred.
    const { reconciler } = await t.startHub({ STATUS_WRITE_INTERVAL_MS: '0' });
    await vi.waitFor(() => expect(reconciler.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('never says ImagesReady=True while clusters are unplanned or an image is being built, and names the image', async () => {
    // Every status the hub writes, as a watch sees it: the first write comes before any cluster is planned.
    const seen: ManagedClusterModule[] = [];
    const watch = new Informer<ManagedClusterModule>(t.http, {
      path: '/apis/hub.kmm.sigs.x-k8s.io/v1beta1/managedclustermodules',
    });
    watch.on('add', (m) => seen.push(m)).on('update', (m) => seen.push(m));
    watch.start();
    await watch.synced;
    try {
      const core = clientNodeConfig(t.kc).makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({
        namespace: HUB_NAMESPACE,
        body: { metadata: { name: 'truth-dockerfile' }, data: { dockerfile: 'FROM scratch\n' } },
      });
      for (const c of ['truth-a1', 'truth-a2']) await t.applyCluster(c, { truth: 'a' }, [K]);
      const mcm = newLoaderManagedClusterModule({
        name: 'truth-a',
        selector: { truth: 'a' },
        regexp: '^5\\.14\\.',
        image: image('truth-a'),
        // This hub runs no image workers: the build stays queued, the image never appears.
        build: { dockerfileConfigMap: { name: 'truth-dockerfile' } },
      });
      await t.applier.apply(mcm);
      // Both clusters planned: their builds are queued.
      const planned = async () => (await conditionOf('truth-a', 'ImagesReady'))?.message ?? '';
      for (const c of ['truth-a1', 'truth-a2']) {
        await expect.poll(planned, { timeout: 20_000 }).toContain(`${c}/${K} Building`);
      }
      const imagesReady = seen
        .filter((m) => m.metadata.name === 'truth-a')
        .map((m) => m.status?.conditions?.find((c) => c.type === 'ImagesReady'))
        .filter((c): c is Condition => c !== undefined);
      expect(imagesReady.length).toBeGreaterThan(0);
      expect(imagesReady.filter((c) => c.status === 'True')).toEqual([]);
      const building = (c: string) => `${c}/${K} Building ${rendered('truth-a')}`;
      const now = await conditionOf('truth-a', 'ImagesReady');
      expect(now).toMatchObject({
        status: 'Unknown',
        reason: 'NotKnownYet',
        message: expect.stringMatching(/^not known yet: /),
      });
      for (const c of ['truth-a1', 'truth-a2']) expect(now?.message).toContain(building(c));
      // Nothing is applied while no image exists, and nothing is known about it yet: not False, Unknown.
      expect(await conditionOf('truth-a', 'Applied')).toMatchObject({ status: 'Unknown', reason: 'NotKnownYet' });
    } finally {
      await watch.stop();
    }
  });

  it('says Applied=Unknown until the work agent reports, then True', async () => {
    await pushImage(registry, `${repository}/truth-b`, K, [{ path: '/opt/b.ko', content: Buffer.from('b') }]);
    await t.applyCluster('truth-b', { truth: 'b' }, [K]);
    await t.applier.apply(
      newLoaderManagedClusterModule({
        name: 'truth-b',
        selector: { truth: 'b' },
        regexp: '^5\\.14\\.',
        image: image('truth-b'),
      }),
    );
    await expect.poll(() => t.getMw('truth-b', 'truth-b'), { timeout: 20_000 }).toBeDefined();
    await expect
      .poll(() => conditionOf('truth-b', 'Applied'), { timeout: 20_000 })
      .toMatchObject({
        status: 'Unknown',
        reason: 'NotKnownYet',
        message: 'not known yet: truth-b (the work agent has not reported yet)',
      });
    expect(await conditionOf('truth-b', 'ImagesReady')).toMatchObject({ status: 'True' });
    await t.reportApplied('truth-b', 'truth-b');
    await expect.poll(() => conditionOf('truth-b', 'Applied'), { timeout: 20_000 }).toMatchObject({ status: 'True' });
    await expect.poll(() => conditionOf('truth-b', 'Available'), { timeout: 20_000 }).toMatchObject({ status: 'True' });
  });

  it('keeps the Module applied before when the kernel stops matching any mapping, and says so', async () => {
    const before = (await t.getMw('truth-b', 'truth-b'))!;
    // The cluster's nodes now run a kernel no mapping targets.
    await t.applyCluster('truth-b', { truth: 'b' }, [UNMAPPED]);
    await expect
      .poll(() => clusterOf('truth-b', 'truth-b'), { timeout: 20_000 })
      .toMatchObject({
        state: 'Degraded',
        reason: 'NoMatchingKernelModuleKept',
        message: expect.stringContaining(
          `no kernel mapping matches any kernel of cluster truth-b (${UNMAPPED}); the previously applied Module stays on the cluster (ManifestWork truth-b/truth-b is kept unchanged)`,
        ),
      });
    expect(await conditionOf('truth-b', 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'NoMatchingKernelModuleKept',
      message: expect.stringContaining('truth-b: no kernel mapping matches'),
    });
    expect(await conditionOf('truth-b', 'Applied')).toMatchObject({ status: 'False' });
    const after = await t.getMw('truth-b', 'truth-b');
    expect(after?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    await expect
      .poll(() => events('truth-b'), { timeout: 20_000 })
      .toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'NoMatchingKernelModuleKept' }));
  });

  it('carries a work agent’s Applied=False message into the cluster entry and the Applied condition', async () => {
    await pushImage(registry, `${repository}/truth-c`, K, [{ path: '/opt/c.ko', content: Buffer.from('c') }]);
    await t.applyCluster('truth-c', { truth: 'c' }, [K]);
    await t.applier.apply(
      newLoaderManagedClusterModule({
        name: 'truth-c',
        selector: { truth: 'c' },
        regexp: '^5\\.14\\.',
        image: image('truth-c'),
      }),
    );
    await expect.poll(() => t.getMw('truth-c', 'truth-c'), { timeout: 20_000 }).toBeDefined();
    const forbidden =
      'Failed to apply manifest: modules.kmm.sigs.x-k8s.io "truth-c" is forbidden: User "system:serviceaccount:open-cluster-management-agent:klusterlet-work-sa" cannot create resource "modules"';
    await report('truth-c', 'truth-c', { status: 'False', message: forbidden });
    await expect
      .poll(() => clusterOf('truth-c', 'truth-c'), { timeout: 20_000 })
      .toMatchObject({
        state: 'Degraded',
        reason: 'ApplyFailed',
        message: expect.stringContaining(forbidden),
        manifestWork: { applied: false, problems: expect.arrayContaining([expect.stringContaining(forbidden)]) },
      });
    expect(await conditionOf('truth-c', 'Applied')).toMatchObject({
      status: 'False',
      reason: 'NotApplied',
      message: expect.stringContaining(forbidden),
    });
  });

  it('never reports a new generation from the plans of the old one', async () => {
    await pushImage(registry, `${repository}/truth-e`, K, [{ path: '/opt/e.ko', content: Buffer.from('e') }]);
    await t.applyCluster('truth-e', { truth: 'e' }, [K]);
    await t.applier.apply(
      newLoaderManagedClusterModule({
        name: 'truth-e',
        selector: { truth: 'e' },
        regexp: '^5\\.14\\.',
        image: image('truth-e'),
      }),
    );
    await expect.poll(() => t.getMw('truth-e', 'truth-e'), { timeout: 20_000 }).toBeDefined();
    await t.reportApplied('truth-e', 'truth-e');
    await expect.poll(() => conditionOf('truth-e', 'Available'), { timeout: 20_000 }).toMatchObject({ status: 'True' });
    expect(await conditionOf('truth-e', 'ImagesReady')).toMatchObject({ status: 'True' });

    const seen: ManagedClusterModule[] = [];
    const watch = new Informer<ManagedClusterModule>(t.http, {
      path: '/apis/hub.kmm.sigs.x-k8s.io/v1beta1/managedclustermodules',
    });
    watch.on('update', (m) => seen.push(m));
    watch.start();
    await watch.synced;
    try {
      // A new image that does not exist: generation 2 has no ready image.
      const patched = await t.http.json<ManagedClusterModule>('PATCH', t.mcmPath('truth-e'), {
        body: {
          spec: {
            moduleSpec: {
              moduleLoader: {
                container: {
                  kernelMappings: [{ regexp: '^5\\.14\\.', containerImage: image('truth-e-absent') }],
                },
              },
            },
          },
        },
        contentType: 'application/merge-patch+json',
      });
      const generation = patched.metadata.generation;
      await expect
        .poll(() => conditionOf('truth-e', 'ImagesReady'), { timeout: 20_000 })
        .toMatchObject({ status: 'False', observedGeneration: generation });
      const claims = seen
        .filter((m) => m.metadata.name === 'truth-e' && m.status?.observedGeneration === generation)
        .flatMap((m) => m.status?.conditions ?? [])
        .filter((c) => c.status === 'True' && ['ImagesReady', 'Applied', 'Available'].includes(c.type));
      expect(claims).toEqual([]);
    } finally {
      await watch.stop();
    }
  });

  it('says which clusters are still being cleaned up while deleting, and ManifestWorkDeleted only once it is gone', async () => {
    await pushImage(registry, `${repository}/truth-d`, K, [{ path: '/opt/d.ko', content: Buffer.from('d') }]);
    await t.applyCluster('truth-d', { truth: 'd' }, [K]);
    await t.applier.apply(
      newLoaderManagedClusterModule({
        name: 'truth-d',
        selector: { truth: 'd' },
        regexp: '^5\\.14\\.',
        image: image('truth-d'),
      }),
    );
    await expect.poll(() => t.getMw('truth-d', 'truth-d'), { timeout: 20_000 }).toBeDefined();
    // The work agent's cleanup finalizer holds the ManifestWork until the spoke has removed the Module.
    await t.http.json('PATCH', t.mwPath('truth-d', 'truth-d'), {
      body: { metadata: { finalizers: [CLEANUP] } },
      contentType: 'application/merge-patch+json',
    });
    await t.http.json('DELETE', t.mcmPath('truth-d'));
    const waiting = `waiting for the ManifestWorks of 1 clusters to go: truth-d (held by finalizers ${CLEANUP})`;
    await expect
      .poll(() => conditionOf('truth-d', 'Applied'), { timeout: 20_000 })
      .toMatchObject({ status: 'False', reason: 'Deleting', message: expect.stringContaining(waiting) });
    expect(await clusterOf('truth-d', 'truth-d')).toMatchObject({
      reason: 'Deleting',
      message: `ManifestWork truth-d/truth-d is being deleted: held by finalizers ${CLEANUP}`,
    });
    const requested = await events('truth-d');
    expect(requested).toContainEqual(
      expect.objectContaining({
        reason: 'ManifestWorkDeleting',
        message: expect.stringContaining(`cluster truth-d: deletion of ManifestWork truth-d/truth-d requested`),
      }),
    );
    expect(requested.filter((e) => e.reason === 'ManifestWorkDeleted')).toEqual([]);
    expect((await t.getMw('truth-d', 'truth-d'))?.metadata.deletionTimestamp).toBeDefined();

    await t.http.json('PATCH', t.mwPath('truth-d', 'truth-d'), {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(() => t.getMcm('truth-d').catch(() => undefined), { timeout: 20_000 }).toBeUndefined();
    expect(await t.getMw('truth-d', 'truth-d')).toBeUndefined();
    expect(await events('truth-d')).toContainEqual(
      expect.objectContaining({
        reason: 'ManifestWorkDeleted',
        message: 'cluster truth-d: ManifestWork truth-d/truth-d is gone (ManagedClusterModule is being deleted)',
      }),
    );
  });
});
