import { FINALIZERS, RESOURCES, newManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import type { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { clientWritesSince, pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from './hub-under-test.testing.js';
import { ManagedClusterModuleReconciler } from './managed-cluster-module.reconciler.js';

const env = inject('env');
const KERNEL_A = '6.1.0-56-amd64';
const KERNEL_B = '6.1.0-57-amd64';
const repository = `controller-int/${Date.now()}`;

describe(ManagedClusterModuleReconciler.name, () => {
  let t: HubUnderTest;
  let http: KubeHttp;
  let applier: ServerSideApplier;
  let sut: ManagedClusterModuleReconciler;
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
  const image = (kernel: string) => `${env.registry.host}/${repository}:${kernel}`;
  const mwPath = (cluster: string) => t.mwPath(cluster, 'gpu');
  const mcmPath = () => t.mcmPath('gpu');
  const getMcm = () => t.getMcm('gpu');
  const getMw = (cluster: string) => t.getMw(cluster, 'gpu');
  const applyCluster = (name: string, labels: Record<string, string>, kernels: string[]) =>
    t.applyCluster(name, labels, kernels);
  const clusterState = async (cluster: string) =>
    (await getMcm()).status?.clusters?.find((c) => c.name === cluster)?.state;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'controller', ['edge-1', 'edge-2', 'edge-3']);
    ({ http, applier } = t);
    await pushImage(registry, repository, KERNEL_A, [{ path: '/opt/lib/modules/a/gpu.ko', content: Buffer.from('a') }]);
    await applyCluster('edge-1', { gpu: 'yes' }, [KERNEL_A]);
    await applyCluster('edge-2', { gpu: 'yes' }, [KERNEL_B, `${KERNEL_A}+`]);
    await applyCluster('edge-3', { gpu: 'no' }, [KERNEL_A]);
    sut = (await t.startHub()).reconciler;
    await vi.waitFor(() => expect(sut.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('writes one ManifestWork per selected cluster with the ready kernels pinned to digests', async () => {
    const mcm = newManagedClusterModule({
      metadata: { name: 'gpu' },
      spec: {
        spokeNamespace: 'kmm',
        selector: { gpu: 'yes' },
        moduleSpec: {
          selector: { 'node-role.kubernetes.io/worker': '' },
          moduleLoader: {
            container: {
              modprobe: { moduleName: 'gpu' },
              kernelMappings: [
                { regexp: '^6\\.1\\.', containerImage: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}` },
              ],
              registryTLS: { insecure: true },
            },
          },
        },
      },
    });
    await applier.apply(mcm);
    const digestA = (await registry.resolveDigest(image(KERNEL_A)))!.digest;

    await expect.poll(() => getMw('edge-1'), { timeout: 20_000 }).toBeDefined();
    const mw1 = (await getMw('edge-1'))!;
    const module1 = mw1.spec!.workload!.manifests![0] as unknown as Module;
    expect(module1.metadata).toMatchObject({ name: 'gpu', namespace: 'kmm' });
    expect(module1.spec!.moduleLoader!.container.kernelMappings).toEqual([
      { literal: KERNEL_A, containerImage: `${env.registry.host}/${repository}@${digestA}` },
    ]);
    expect(mw1.metadata.labels).toMatchObject({ 'kmm.node.kubernetes.io/managedclustermodule.name': 'gpu' });

    // edge-2 runs kernel A too (its claim has a trailing +): it gets A now although B has no image.
    await expect.poll(() => getMw('edge-2'), { timeout: 20_000 }).toBeDefined();
    const module2 = (await getMw('edge-2'))!.spec!.workload!.manifests![0] as unknown as Module;
    expect(module2.spec!.moduleLoader!.container.kernelMappings.map((m) => m.literal)).toEqual([KERNEL_A]);
    expect(await getMw('edge-3')).toBeUndefined();

    await expect.poll(async () => (await getMcm()).status?.numberSelected, { timeout: 20_000 }).toBe(2);
    // Status is written at most once a second per MCM: wait for the write that has both clusters planned.
    await expect.poll(() => clusterState('edge-2'), { timeout: 20_000 }).toBe('Degraded');
    const status = (await getMcm()).status!;
    const edge2 = status.clusters!.find((c) => c.name === 'edge-2')!;
    expect(edge2.state).toBe('Degraded');
    expect(edge2.kernels!.find((k) => k.kernel === KERNEL_B)).toMatchObject({
      state: 'Missing',
      image: image(KERNEL_B),
      lastError: expect.stringContaining('does not exist'),
    });
    expect(edge2.kernels!.find((k) => k.kernel === KERNEL_A)).toMatchObject({ state: 'Ready', digest: digestA });
    expect((await getMcm()).metadata.finalizers).toContain(FINALIZERS.hubManagedClusterModule);
  });

  it('publishes a kernel as soon as its image appears', async () => {
    const pushed = await pushImage(registry, repository, KERNEL_B, [{ path: '/opt/b.ko', content: Buffer.from('b') }]);
    await expect
      .poll(
        async () => {
          const m = (await getMw('edge-2'))?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
          return m?.spec?.moduleLoader?.container.kernelMappings.map((k) => k.containerImage);
        },
        { timeout: 20_000 },
      )
      .toContain(`${env.registry.host}/${repository}@${pushed.digest}`);
  });

  it('reports Ready once the work agent applied the ManifestWork, and then writes nothing while the fleet is steady', async () => {
    for (const cluster of ['edge-1', 'edge-2']) await t.reportApplied(cluster, 'gpu');
    await expect.poll(() => clusterState('edge-1'), { timeout: 20_000 }).toBe('Ready');
    await expect.poll(() => clusterState('edge-2'), { timeout: 20_000 }).toBe('Ready');
    const conditions = async () =>
      Object.fromEntries(((await getMcm()).status?.conditions ?? []).map((c) => [c.type, c.status]));
    await expect
      .poll(conditions, { timeout: 20_000 })
      .toEqual({ Valid: 'True', ImagesReady: 'True', Applied: 'True', Available: 'True', Degraded: 'False' });
    const edge1 = (await getMcm()).status!.clusters!.find((c) => c.name === 'edge-1')!;
    expect(edge1.manifestWork).toEqual({ applied: true, available: true });

    const since = new Date().toISOString();
    const start = sut.reconciles;
    // Every cluster key comes back after its cache TTL (1 s here): let several rounds pass.
    await expect.poll(() => sut.reconciles, { timeout: 20_000 }).toBeGreaterThanOrEqual(start + 6);
    const writes = clientWritesSince(t.hub.info.auditLogPath, since);
    expect(writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.name}`)).toEqual([]);
  });

  it('keeps what was applied when the spec turns invalid, and says why in status', async () => {
    const before = await getMw('edge-1');
    await http.json('PATCH', mcmPath(), {
      body: {
        spec: {
          moduleSpec: {
            moduleLoader: { container: { kernelMappings: [{ regexp: '^6\\.(', containerImage: image('x') }] } },
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(async () => (await getMcm()).status?.conditions?.find((c) => c.type === 'Valid'), { timeout: 20_000 })
      .toMatchObject({
        status: 'False',
        reason: 'InvalidSpec',
        message: expect.stringContaining('kernelMappings[0].regexp'),
      });
    const after = await getMw('edge-1');
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    const events = await http.json<{ items: { reason: string; message: string }[] }>(
      'GET',
      '/api/v1/namespaces/default/events',
    );
    expect(events.items.some((e) => e.reason === 'InvalidSpec' && e.message.includes('kept unchanged'))).toBe(true);

    // Fixing the typo resumes planning.
    await http.json('PATCH', mcmPath(), {
      body: {
        spec: {
          moduleSpec: {
            moduleLoader: {
              container: {
                kernelMappings: [
                  { regexp: '^6\\.1\\.', containerImage: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}` },
                ],
              },
            },
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(async () => (await getMcm()).status?.conditions?.find((c) => c.type === 'Valid')?.status, {
        timeout: 20_000,
      })
      .toBe('True');
  });

  it('removes the ManifestWork of a cluster that is no longer selected', async () => {
    await applyCluster('edge-1', { gpu: 'no' }, [KERNEL_A]);
    await expect.poll(() => getMw('edge-1'), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(async () => (await getMcm()).status?.numberSelected, { timeout: 20_000 }).toBe(1);
    expect(await getMw('edge-2')).toBeDefined();
  });

  it('never deletes a ManifestWork it does not own', async () => {
    await applier.apply({
      apiVersion: RESOURCES.ManifestWork.apiVersion,
      kind: 'ManifestWork',
      metadata: { name: 'gpu', namespace: 'edge-3' },
      spec: { workload: { manifests: [] } },
    } as ManifestWork);
    // edge-3 is not selected, and its ManifestWork named like ours lacks our label: it must survive re-plans.
    const start = sut.reconciles;
    await expect.poll(() => sut.reconciles, { timeout: 20_000 }).toBeGreaterThanOrEqual(start + 3);
    expect(await getMw('edge-3')).toBeDefined();
  });

  it('holds the MCM until its ManifestWorks are gone, then lets it go', async () => {
    // The work agent's cleanup finalizer keeps the ManifestWork until the spoke has unloaded the module.
    await http.json('PATCH', mwPath('edge-2'), {
      body: { metadata: { finalizers: [FINALIZERS.ocmManifestWorkCleanup] } },
      contentType: 'application/merge-patch+json',
    });
    await http.json('DELETE', mcmPath());
    await expect
      .poll(async () => (await getMw('edge-2'))?.metadata.deletionTimestamp, { timeout: 20_000 })
      .toBeDefined();
    expect((await getMcm()).metadata.deletionTimestamp).toBeDefined();
    await http.json('PATCH', mwPath('edge-2'), {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(() => getMcm().catch(() => undefined), { timeout: 20_000 }).toBeUndefined();
    expect(await getMw('edge-3')).toBeDefined();
  });
});
