// Hub scenarios beyond the main flow, which is all that upstream's single-cluster hub e2e
// (kubernetes-sigs/kernel-module-management ci/prow/e2e-hub-spoke-incluster-build) exercises: kernel upgrade on a
// spoke, device-plugin-only modules, a registry that requires auth, and leader failover between two hub processes.
import { CoreV1Api } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import type { TestingModule } from '@nestjs/testing';
import { newLoaderManagedClusterModule, newManagedClusterModule, type Module } from '@kmm-hub/api';
import { RegistryClient, RegistryCredentials } from '@kmm-hub/oci';
import { pushImage, clientNodeConfig } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HUB_NAMESPACE, startHubUnderTest, type HubUnderTest } from '../testing/hub-under-test.testing.js';
import { QUEUES } from '../image-queues/jobs.js';
import { startImages } from '../../../../test/fixtures/kmod/hub-images-harness.js';
import type { ManagedClusterModuleReconciler } from './managed-cluster-module.reconciler.js';

const env = inject('env');
const repository = `scenarios/${Date.now()}`;
const K1 = '5.14.0-284.el9.x86_64';
const K2 = '5.14.0-362.el9.x86_64';

describe('hub scenarios', () => {
  let t: HubUnderTest;
  let first: ManagedClusterModuleReconciler;
  let firstApp: TestingModule;
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
  const literals = async (cluster: string, mcm: string) => {
    const module = (await t.getMw(cluster, mcm))?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
    return module?.spec?.moduleLoader?.container.kernelMappings.map((m) => m.literal);
  };
  const loaderMcm = (name: string, selector: Record<string, string>, host = env.registry.host) =>
    newLoaderManagedClusterModule({
      name,
      selector,
      regexp: '^5\\.14\\.',
      image: `${host}/${repository}/${name}:\${KERNEL_FULL_VERSION}`,
    });

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'scenarios', [
      'upgrade-1',
      'plugin-1',
      'auth-1',
      'foreign-1',
      'rebuild-1',
      'failover-1',
    ]);
    ({ app: firstApp, reconciler: first } = await t.startHub());
    await vi.waitFor(() => expect(first.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('follows a kernel upgrade: the new kernel is added, the old one dropped once no node runs it', async () => {
    for (const k of [K1, K2])
      await pushImage(registry, `${repository}/upg`, k, [{ path: `/opt/${k}`, content: Buffer.from(k) }]);
    await t.applyCluster('upgrade-1', { scenario: 'upgrade' }, [K1]);
    await t.applier.apply(loaderMcm('upg', { scenario: 'upgrade' }));
    await expect.poll(() => literals('upgrade-1', 'upg'), { timeout: 20_000 }).toEqual([K1]);
    // Nodes are being upgraded: both kernels run for a while.
    await t.applyCluster('upgrade-1', { scenario: 'upgrade' }, [K1, K2]);
    await expect.poll(() => literals('upgrade-1', 'upg'), { timeout: 20_000 }).toEqual([K1, K2]);
    // The last old node is gone.
    await t.applyCluster('upgrade-1', { scenario: 'upgrade' }, [K2]);
    await expect.poll(() => literals('upgrade-1', 'upg'), { timeout: 20_000 }).toEqual([K2]);
  });

  it('delivers a device-plugin-only module (no moduleLoader) without any image check', async () => {
    await t.applyCluster('plugin-1', { scenario: 'plugin' }, ['6.1.0-56-amd64']);
    const mcm = newManagedClusterModule({
      metadata: { name: 'plugin' },
      spec: {
        spokeNamespace: 'kmm',
        selector: { scenario: 'plugin' },
        moduleSpec: { selector: {}, devicePlugin: { container: { image: 'registry.example.com/plugin:v1' } } } as never,
      },
    });
    await t.applier.apply(mcm);
    await expect.poll(() => t.getMw('plugin-1', 'plugin'), { timeout: 20_000 }).toBeDefined();
    const module = (await t.getMw('plugin-1', 'plugin'))!.spec!.workload!.manifests![0] as unknown as Module;
    expect(module.spec?.moduleLoader).toBeUndefined();
    expect(module.spec?.devicePlugin?.container.image).toBe('registry.example.com/plugin:v1');
    // Status follows the ManifestWork write: wait for it rather than racing it.
    await expect
      .poll(async () => (await t.getMcm('plugin')).status?.clusters?.[0]?.kernels, { timeout: 20_000 })
      .toEqual([{ kernel: '6.1.0-56-amd64', state: 'Unmapped' }]);
  });

  it('checks images in a registry that requires auth with the imageRepoSecret, and reports a wrong one', async () => {
    const auth = env.authRegistry;
    const authed = new RegistryClient({
      registry: auth.host,
      insecure: true,
      credentials: new RegistryCredentials(auth.username!, auth.password!),
    });
    const pushed = await pushImage(authed, `${repository}/auth`, K1, [
      { path: '/opt/auth.ko', content: Buffer.from('x') },
    ]);
    const dockerConfig = (password: string) =>
      Buffer.from(
        JSON.stringify({
          auths: { [auth.host]: { auth: Buffer.from(`${auth.username}:${password}`).toString('base64') } },
        }),
      ).toString('base64');
    const core = clientNodeConfig(t.kc).makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace: HUB_NAMESPACE,
      body: {
        metadata: { name: 'pull' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerConfig('wrong') },
      },
    });
    await t.applyCluster('auth-1', { scenario: 'auth' }, [K1]);
    const mcm = loaderMcm('auth', { scenario: 'auth' }, auth.host);
    mcm.spec.moduleSpec.imageRepoSecret = { name: 'pull' };
    await t.applier.apply(mcm);
    await expect
      .poll(async () => (await t.getMcm('auth')).status?.clusters?.[0]?.kernels?.[0], { timeout: 20_000 })
      .toMatchObject({ state: 'Failed', lastError: expect.stringContaining('401') });
    const status = JSON.stringify((await t.getMcm('auth')).status);
    expect(status).not.toContain('wrong');
    expect(status).not.toContain(auth.password!);

    await t.http.json('PATCH', `/api/v1/namespaces/${HUB_NAMESPACE}/secrets/pull`, {
      body: { data: { '.dockerconfigjson': dockerConfig(auth.password!) } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(() => literals('auth-1', 'auth'), { timeout: 20_000 }).toEqual([K1]);
    const module = (await t.getMw('auth-1', 'auth'))!.spec!.workload!.manifests![0] as unknown as Module;
    expect(module.spec?.moduleLoader?.container.kernelMappings[0]?.containerImage).toBe(
      `${auth.host}/${repository}/auth@${pushed.digest}`,
    );
    expect(module.spec?.imageRepoSecret).toEqual({ name: 'pull' });
    expect(JSON.stringify(await t.getMw('auth-1', 'auth'))).not.toContain(auth.password!);
  });

  it('uses an image it did not build as it is, though the mapping has a build: not rebuilt, ready, said so', async () => {
    const foreign = await pushImage(registry, `${repository}/fg`, K1, [
      { path: '/opt/fg', content: Buffer.from('fg') },
    ]);
    const core = clientNodeConfig(t.kc).makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: HUB_NAMESPACE,
      body: { metadata: { name: 'fg-dockerfile' }, data: { dockerfile: 'FROM scratch\nLABEL made-by=hub\n' } },
    });
    await t.applyCluster('foreign-1', { scenario: 'foreign' }, [K1]);
    // Workers of this hub's queues (in this test only: the next one needs its build to stay queued).
    const workers = await startImages({
      env: { ...env, hub: t.hub.info },
      namespace: HUB_NAMESPACE,
      queuePrefix: t.queuePrefix,
      role: 'worker',
    });
    try {
      const mcm = loaderMcm('fg', { scenario: 'foreign' });
      mcm.spec.moduleSpec.moduleLoader.container.kernelMappings[0]!.build = {
        dockerfileConfigMap: { name: 'fg-dockerfile' },
      };
      await t.applier.apply(mcm);
      const kernelStatus = async () => (await t.getMcm('fg')).status?.clusters?.[0]?.kernels?.[0];
      await expect.poll(kernelStatus, { timeout: 30_000 }).toMatchObject({
        state: 'Ready',
        digest: foreign.digest,
        message: expect.stringMatching(/not built by this hub/),
      });
      const imagesReady = async () => (await t.getMcm('fg')).status?.conditions?.find((c) => c.type === 'ImagesReady');
      await expect.poll(imagesReady, { timeout: 20_000 }).toMatchObject({ status: 'True' });
      expect((await registry.resolveDigest(`${env.registry.host}/${repository}/fg:${K1}`))?.digest).toBe(
        foreign.digest,
      );
      const events = async () =>
        (
          await t.http.json<{ items: { reason?: string; message?: string }[] }>(
            'GET',
            '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dfg',
          )
        ).items.filter((e) => e.reason === 'ImageUsedAsIs');
      await expect
        .poll(events, { timeout: 20_000 })
        .toMatchObject([{ message: expect.stringMatching(/used as it is/) }]);
    } finally {
      await workers.close();
    }
  });

  it('asks the pipeline again when a build input changes, keeping the image in use published meanwhile', async () => {
    const pushed = await pushImage(registry, `${repository}/rb`, K1, [{ path: '/opt/rb', content: Buffer.from('rb') }]);
    const core = clientNodeConfig(t.kc).makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: HUB_NAMESPACE,
      body: { metadata: { name: 'rb-dockerfile' }, data: { dockerfile: 'FROM scratch\n' } },
    });
    await t.applyCluster('rebuild-1', { scenario: 'rebuild' }, [K1]);
    const mcm = loaderMcm('rb', { scenario: 'rebuild' });
    mcm.spec.moduleSpec.moduleLoader.container.kernelMappings[0]!.build = {
      dockerfileConfigMap: { name: 'rb-dockerfile' },
    };
    await t.applier.apply(mcm);
    // The tag exists: it is published at once, while a build job for these inputs is queued (this hub runs no
    // workers, so the job stays queued).
    await expect.poll(() => literals('rebuild-1', 'rb'), { timeout: 20_000 }).toEqual([K1]);
    const kernelStatus = async () => (await t.getMcm('rb')).status?.clusters?.[0]?.kernels?.[0];
    await expect.poll(kernelStatus, { timeout: 20_000 }).toMatchObject({ state: 'Building', digest: pushed.digest });
    const builds = new Queue(QUEUES.build, { connection: { url: env.redis.url }, prefix: t.queuePrefix });
    const jobOf = async () => (await builds.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).length;
    const before = await jobOf();
    expect(before).toBeGreaterThan(0);
    // A new Dockerfile is a new input: a second job is queued.
    await t.http.json('PATCH', `/api/v1/namespaces/${HUB_NAMESPACE}/configmaps/rb-dockerfile`, {
      body: { data: { dockerfile: 'FROM scratch\nLABEL v=2\n' } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(jobOf, { timeout: 20_000 }).toBeGreaterThan(before);
    expect(await literals('rebuild-1', 'rb')).toEqual([K1]);
    await builds.close();
  });

  it('hands over to a standby hub when the leader stops, and the standby carries on', async () => {
    const second = (await t.startHub()).reconciler;
    expect(second.isLeader).toBe(false);
    const stoppedAt = Date.now();
    await firstApp.close();
    await vi.waitFor(() => expect(second.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
    expect(Date.now() - stoppedAt).toBeLessThan(3_000 + 1_000);
    await pushImage(registry, `${repository}/fo`, K1, [{ path: '/opt/fo', content: Buffer.from('fo') }]);
    await t.applyCluster('failover-1', { scenario: 'failover' }, [K1]);
    await t.applier.apply(loaderMcm('fo', { scenario: 'failover' }));
    await expect.poll(() => literals('failover-1', 'fo'), { timeout: 20_000 }).toEqual([K1]);
  });
});
