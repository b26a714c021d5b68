import { FINALIZERS, RESOURCES, newManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import type { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { clientWritesSince, pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from '../testing/hub-under-test.testing.js';
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
  let fleets = 0;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'controller', []);
    ({ http, applier } = t);
    sut = (await t.startHub()).reconciler;
    await vi.waitFor(() => expect(sut.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  /**
   * A fleet of each test's own, so that no test depends on what another changed: an MCM selecting clusters 1 and 2
   * (2 runs kernel B and, with a trailing +, A), an unselected cluster 3 on A, and an image repository holding A's
   * image (and B's when asked).
   */
  async function newFleet(opts: { withKernelB?: boolean } = {}) {
    const name = `gpu-${++fleets}`;
    const repo = `${repository}/${name}`;
    const clusters = [`${name}-c1`, `${name}-c2`, `${name}-c3`] as const;
    for (const ns of clusters) await http.json('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
    await pushImage(registry, repo, KERNEL_A, [{ path: '/opt/lib/modules/a/gpu.ko', content: Buffer.from('a') }]);
    if (opts.withKernelB) await pushImage(registry, repo, KERNEL_B, [{ path: '/opt/b.ko', content: Buffer.from('b') }]);
    await t.applyCluster(clusters[0], { fleet: name }, [KERNEL_A]);
    await t.applyCluster(clusters[1], { fleet: name }, [KERNEL_B, `${KERNEL_A}+`]);
    await t.applyCluster(clusters[2], { fleet: `not-${name}` }, [KERNEL_A]);
    const fleet = {
      name,
      repo,
      clusters,
      image: (kernel: string) => `${env.registry.host}/${repo}:${kernel}`,
      mwPath: (cluster: string) => t.mwPath(cluster, name),
      mcmPath: () => t.mcmPath(name),
      getMcm: () => t.getMcm(name),
      getMw: (cluster: string) => t.getMw(cluster, name),
      clusterState: async (cluster: string) =>
        (await t.getMcm(name)).status?.clusters?.find((c) => c.name === cluster)?.state,
      /** Waits until both selected clusters have their ManifestWork and status counts them. */
      planned: async () => {
        for (const c of clusters.slice(0, 2))
          await expect.poll(() => fleet.getMw(c), { timeout: 20_000 }).toBeDefined();
        await expect.poll(async () => (await fleet.getMcm()).status?.numberSelected, { timeout: 20_000 }).toBe(2);
      },
      /** Once planned, reports both selected clusters' ManifestWorks applied and waits until both are Ready. */
      applied: async () => {
        await fleet.planned();
        for (const c of clusters.slice(0, 2)) await t.reportApplied(c, name);
        for (const c of clusters.slice(0, 2))
          await expect.poll(() => fleet.clusterState(c), { timeout: 20_000 }).toBe('Ready');
      },
    };
    await applier.apply(
      newManagedClusterModule({
        metadata: { name },
        spec: {
          spokeNamespace: 'kmm',
          selector: { fleet: name },
          moduleSpec: {
            selector: { 'node-role.kubernetes.io/worker': '' },
            moduleLoader: {
              container: {
                modprobe: { moduleName: 'gpu' },
                kernelMappings: [
                  { regexp: '^6\\.1\\.', containerImage: `${env.registry.host}/${repo}:\${KERNEL_FULL_VERSION}` },
                ],
                registryTLS: { insecure: true },
              },
            },
          },
        },
      }),
    );
    return fleet;
  }

  /** A ManifestWork named like the fleet's in its unselected cluster, without our label: not ours. */
  const applyForeignWork = (f: Awaited<ReturnType<typeof newFleet>>) =>
    applier.apply({
      apiVersion: RESOURCES.ManifestWork.apiVersion,
      kind: 'ManifestWork',
      metadata: { name: f.name, namespace: f.clusters[2] },
      spec: { workload: { manifests: [] } },
    } as ManifestWork);

  it('writes one ManifestWork per selected cluster with the ready kernels pinned to digests', async () => {
    const f = await newFleet();
    const [c1, c2, c3] = f.clusters;
    const digestA = (await registry.resolveDigest(f.image(KERNEL_A)))!.digest;

    await expect.poll(() => f.getMw(c1), { timeout: 20_000 }).toBeDefined();
    const mw1 = (await f.getMw(c1))!;
    const module1 = mw1.spec!.workload!.manifests![0] as unknown as Module;
    expect(module1.metadata).toMatchObject({ name: f.name, namespace: 'kmm' });
    expect(module1.spec!.moduleLoader!.container.kernelMappings).toEqual([
      { literal: KERNEL_A, containerImage: `${env.registry.host}/${f.repo}@${digestA}` },
    ]);
    expect(mw1.metadata.labels).toMatchObject({ 'kmm.node.kubernetes.io/managedclustermodule.name': f.name });

    // Cluster 2 runs kernel A too (its claim has a trailing +): it gets A now although B has no image.
    await expect.poll(() => f.getMw(c2), { timeout: 20_000 }).toBeDefined();
    const module2 = (await f.getMw(c2))!.spec!.workload!.manifests![0] as unknown as Module;
    expect(module2.spec!.moduleLoader!.container.kernelMappings.map((m) => m.literal)).toEqual([KERNEL_A]);
    expect(await f.getMw(c3)).toBeUndefined();

    await expect.poll(async () => (await f.getMcm()).status?.numberSelected, { timeout: 20_000 }).toBe(2);
    // Status is written at most once a second per MCM: wait for the write that has both clusters planned.
    await expect.poll(() => f.clusterState(c2), { timeout: 20_000 }).toBe('Degraded');
    const status = (await f.getMcm()).status!;
    const edge2 = status.clusters!.find((c) => c.name === c2)!;
    expect(edge2.state).toBe('Degraded');
    expect(edge2.kernels!.find((k) => k.kernel === KERNEL_B)).toMatchObject({
      state: 'Missing',
      image: f.image(KERNEL_B),
      lastError: expect.stringContaining('does not exist'),
    });
    expect(edge2.kernels!.find((k) => k.kernel === KERNEL_A)).toMatchObject({ state: 'Ready', digest: digestA });
    expect((await f.getMcm()).metadata.finalizers).toContain(FINALIZERS.hubManagedClusterModule);
  });

  it('publishes a kernel as soon as its image appears', async () => {
    const f = await newFleet();
    await f.planned();
    const pushed = await pushImage(registry, f.repo, KERNEL_B, [{ path: '/opt/b.ko', content: Buffer.from('b') }]);
    await expect
      .poll(
        async () => {
          const m = (await f.getMw(f.clusters[1]))?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
          return m?.spec?.moduleLoader?.container.kernelMappings.map((k) => k.containerImage);
        },
        { timeout: 20_000 },
      )
      .toContain(`${env.registry.host}/${f.repo}@${pushed.digest}`);
  });

  it('reports Ready once the work agent applied the ManifestWork, and then writes nothing while the fleet is steady', async () => {
    const f = await newFleet({ withKernelB: true });
    const [c1] = f.clusters;
    await f.applied();
    const conditions = async () =>
      Object.fromEntries(((await f.getMcm()).status?.conditions ?? []).map((c) => [c.type, c.status]));
    await expect
      .poll(conditions, { timeout: 20_000 })
      .toEqual({ Valid: 'True', ImagesReady: 'True', Applied: 'True', Available: 'True', Degraded: 'False' });
    const edge1 = (await f.getMcm()).status!.clusters!.find((c) => c.name === c1)!;
    expect(edge1.manifestWork).toEqual({ applied: true, available: true });

    const since = new Date().toISOString();
    const start = sut.reconciles;
    // Settled pairs are planned again every RESYNC_INTERVAL_S (10 s here) and their images re-checked every
    // IMAGE_CHECK_TTL_S (1 s): let several of both pass.
    await expect.poll(() => sut.reconciles, { timeout: 45_000 }).toBeGreaterThanOrEqual(start + 6);
    // Writes about this fleet: its MCM (and its Events, named after it) and anything in its clusters' namespaces.
    const ours = (w: { objectRef?: { namespace?: string; name?: string } }) =>
      f.clusters.includes(w.objectRef?.namespace as never) ||
      w.objectRef?.name === f.name ||
      w.objectRef?.name?.startsWith(`${f.name}.`) === true;
    const writes = clientWritesSince(t.hub.info.auditLogPath, since).filter(ours);
    expect(writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.name}`)).toEqual([]);
  });

  it('re-pins a moved tag on every settled cluster using it, woken by the image re-check', async () => {
    const f = await newFleet({ withKernelB: true });
    const [c1, c2] = f.clusters;
    await f.applied();

    const moved = await pushImage(registry, f.repo, KERNEL_A, [{ path: '/opt/a2.ko', content: Buffer.from('a2') }]);
    const pinnedA = async (cluster: string) => {
      const m = (await f.getMw(cluster))?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
      return m?.spec?.moduleLoader?.container.kernelMappings.find((k) => k.literal === KERNEL_A)?.containerImage;
    };
    for (const cluster of [c1, c2])
      await expect
        .poll(() => pinnedA(cluster), { timeout: 30_000 })
        .toBe(`${env.registry.host}/${f.repo}@${moved.digest}`);
  });

  it('keeps what was applied when the spec turns invalid, and says why in status', async () => {
    const f = await newFleet();
    await f.planned();
    const before = await f.getMw(f.clusters[0]);
    await http.json('PATCH', f.mcmPath(), {
      body: {
        spec: {
          moduleSpec: {
            moduleLoader: { container: { kernelMappings: [{ regexp: '^6\\.(', containerImage: f.image('x') }] } },
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(async () => (await f.getMcm()).status?.conditions?.find((c) => c.type === 'Valid'), { timeout: 20_000 })
      .toMatchObject({
        status: 'False',
        reason: 'InvalidSpec',
        message: expect.stringContaining('kernelMappings[0].regexp'),
      });
    const after = await f.getMw(f.clusters[0]);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    const events = await http.json<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>(
      'GET',
      '/api/v1/namespaces/default/events',
    );
    expect(
      events.items.some(
        (e) => e.involvedObject.name === f.name && e.reason === 'InvalidSpec' && e.message.includes('kept unchanged'),
      ),
    ).toBe(true);

    // Fixing the typo resumes planning.
    await http.json('PATCH', f.mcmPath(), {
      body: {
        spec: {
          moduleSpec: {
            moduleLoader: {
              container: {
                kernelMappings: [
                  { regexp: '^6\\.1\\.', containerImage: `${env.registry.host}/${f.repo}:\${KERNEL_FULL_VERSION}` },
                ],
              },
            },
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(async () => (await f.getMcm()).status?.conditions?.find((c) => c.type === 'Valid')?.status, {
        timeout: 20_000,
      })
      .toBe('True');
  });

  it('removes the ManifestWork of a cluster that is no longer selected', async () => {
    const f = await newFleet();
    const [c1, c2] = f.clusters;
    await f.planned();
    await t.applyCluster(c1, { fleet: `not-${f.name}` }, [KERNEL_A]);
    await expect.poll(() => f.getMw(c1), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(async () => (await f.getMcm()).status?.numberSelected, { timeout: 20_000 }).toBe(1);
    expect(await f.getMw(c2)).toBeDefined();
  });

  it('never deletes a ManifestWork it does not own', async () => {
    const f = await newFleet();
    await f.planned();
    await applyForeignWork(f);
    // Cluster 3 is not selected, and its ManifestWork named like ours lacks our label: it must survive re-plans.
    const start = sut.reconciles;
    await expect.poll(() => sut.reconciles, { timeout: 20_000 }).toBeGreaterThanOrEqual(start + 3);
    expect(await f.getMw(f.clusters[2])).toBeDefined();
  });

  it('holds the MCM until its ManifestWorks are gone, then lets it go', async () => {
    const f = await newFleet();
    const c2 = f.clusters[1];
    await f.planned();
    await applyForeignWork(f);
    // The work agent's cleanup finalizer keeps the ManifestWork until the spoke has unloaded the module.
    await http.json('PATCH', f.mwPath(c2), {
      body: { metadata: { finalizers: [FINALIZERS.ocmManifestWorkCleanup] } },
      contentType: 'application/merge-patch+json',
    });
    await http.json('DELETE', f.mcmPath());
    await expect.poll(async () => (await f.getMw(c2))?.metadata.deletionTimestamp, { timeout: 20_000 }).toBeDefined();
    expect((await f.getMcm()).metadata.deletionTimestamp).toBeDefined();
    await http.json('PATCH', f.mwPath(c2), {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(() => f.getMcm().catch(() => undefined), { timeout: 20_000 }).toBeUndefined();
    expect(await f.getMw(f.clusters[2])).toBeDefined();
  });
});
