// PreflightValidation and upcoming kernels on real servers: a hub (controller role) and an image worker running
// buildah, the environment's registry and Redis, and the real hello kernel module signed by the hub. Kernels here
// are ones no cluster runs: images present → Success without a build; a build-and-sign mapping → one build and one
// sign, the image pullable and its module's signature accepted by modinfo; no matching mapping → Failure; a broken
// Dockerfile → Failure with the build's last log lines. Then an upcoming kernel prebuilt before any cluster runs it,
// and a cluster moving to it gets its ManifestWork with zero builds in between.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RESOURCES,
  UPCOMING_KERNELS_CONFIGMAP,
  newManagedClusterModule,
  type KernelMapping,
  type ManagedClusterModule,
  type Module,
  type PreflightValidation,
} from '@kmm-hub/api';
import { ResourceClient } from '@kmm-hub/kube';
import { RegistryClient, readImageFiles } from '@kmm-hub/oci';
import { HELLO_MODULE_NAME, modinfo, pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';
import { HUB_NAMESPACE } from '../testing/hub-under-test.testing.js';
import { startModuleBuildHub, type ModuleBuildHub } from '../testing/module-build-hub.testing.js';
import { PreflightValidationReconciler } from './preflight-validation.reconciler.js';

const env = inject('env');
const RHEL = '5.14.0-427.13.1.el9_4.x86_64';
const UBUNTU = '6.8.0-49-generic';
const DEBIAN = '6.1.0-28-amd64';
/** Kernels of the build tests: only the build-and-sign mappings match them (`^6\.1\.0-9\d-amd64$`). */
const BUILT = '6.1.0-91-amd64';
const BROKEN = '6.1.0-92-amd64';
const NOW = '6.1.0-93-amd64';
const NEXT = '6.1.0-94-amd64';
const BUILT_KERNELS = '^6\\.1\\.0-9\\d-amd64$';
const CLUSTER = 'edge-1';

describe(PreflightValidationReconciler.name, () => {
  let hub: ModuleBuildHub;
  let preflights: ResourceClient<PreflightValidation>;
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });

  beforeAll(async () => {
    hub = await startModuleBuildHub(env, 'preflight', [CLUSTER]);
    preflights = new ResourceClient<PreflightValidation>(hub.t.http, RESOURCES.PreflightValidation);
    const controller = hub.controller.get(ManagedClusterModuleReconciler);
    await vi.waitFor(() => expect(controller.isLeader).toBe(true), { timeout: 15_000, interval: 100 });
  }, 300_000);

  afterAll(async () => {
    await hub?.stop();
  });

  const repo = (name: string) => `${hub.repository}/${name}`;

  async function applyMcm(name: string, labels: Record<string, string>, mappings: KernelMapping[], extra = {}) {
    const mcm = newManagedClusterModule({
      metadata: { name, labels },
      spec: {
        spokeNamespace: 'kmm',
        selector: { preflight: name },
        moduleSpec: {
          selector: { 'node-role.kubernetes.io/worker': '' },
          moduleLoader: {
            container: {
              modprobe: { moduleName: HELLO_MODULE_NAME },
              registryTLS: { insecure: true },
              kernelMappings: mappings,
            },
          },
        },
        ...extra,
      },
    });
    await hub.t.applier.apply(mcm);
    return mcm;
  }

  async function applyPreflight(name: string, spec: PreflightValidation['spec']) {
    await hub.t.applier.apply({
      apiVersion: RESOURCES.PreflightValidation.apiVersion,
      kind: 'PreflightValidation',
      metadata: { name },
      spec,
    } as PreflightValidation);
  }

  async function settledModules(name: string, timeout = 120_000) {
    await vi.waitFor(
      async () => {
        const modules = (await preflights.get(name)).status?.modules ?? [];
        expect(modules.length).toBeGreaterThan(0);
        expect(modules.filter((m) => m.verificationStatus === 'InProgress')).toEqual([]);
      },
      { timeout, interval: 250 },
    );
    return (await preflights.get(name)).status!.modules!;
  }

  it('reports Success without a build when the images of every kernel are present', async () => {
    const image = repo('present');
    for (const kernel of [RHEL, UBUNTU]) {
      await pushImage(registry, image.slice(env.registry.host.length + 1), kernel, [
        { path: `/opt/lib/modules/${kernel}/${HELLO_MODULE_NAME}.ko`, content: Buffer.from(kernel) },
      ]);
    }
    await applyMcm('present', { tier: 'present' }, [
      { regexp: '\\.el9_\\d+\\.x86_64$|-generic$', containerImage: `${image}:\${KERNEL_FULL_VERSION}` },
    ]);
    const before = await hub.jobCounts();

    await applyPreflight('present', {
      kernelVersion: RHEL,
      kernelVersions: [`${UBUNTU}+`],
      pushBuiltImage: true,
      selector: { matchLabels: { tier: 'present' } },
    });

    const modules = await settledModules('present');
    expect(
      modules.map((m) => [m.name, m.namespace, m.kernelVersion, m.verificationStatus, m.verificationStage]),
    ).toEqual([
      ['present', 'kmm', RHEL, 'Success', 'Done'],
      ['present', 'kmm', UBUNTU, 'Success', 'Done'],
    ]);
    const digest = (await registry.resolveDigest(`${image}:${RHEL}`))!.digest;
    expect(modules[0]!.statusReason).toBe(`image ${image}:${RHEL} is in its registry as ${digest}`);
    expect(modules[0]!.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await hub.jobCounts()).toEqual(before);
  });

  it('builds and signs once for a build-and-sign mapping; the image is pullable and modinfo accepts the signature', async () => {
    const image = repo('signed');
    await applyMcm('signed', { tier: 'signed' }, [
      hub.buildAndSignMapping({ regexp: BUILT_KERNELS }, `${image}:\${KERNEL_FULL_VERSION}`),
    ]);
    const before = await hub.jobCounts();

    await applyPreflight('signed', {
      kernelVersion: BUILT,
      pushBuiltImage: true,
      selector: { matchLabels: { tier: 'signed' } },
    });

    const [entry] = await settledModules('signed', 240_000);
    expect(entry).toMatchObject({
      name: 'signed',
      kernelVersion: BUILT,
      image: `${image}:${BUILT}`,
      verificationStatus: 'Success',
      verificationStage: 'Done',
    });
    expect(await hub.jobCounts()).toEqual({ builds: before.builds + 1, signs: before.signs + 1 });

    const files = await readImageFiles(registry, { image: `${image}:${BUILT}` }, ['/opt/lib/modules/**/*.ko']);
    expect(files.entries.map((e) => e.path)).toEqual([`/opt/lib/modules/${BUILT}/${HELLO_MODULE_NAME}.ko`]);
    const pulled = join(hub.workDir, 'preflight-signed.ko');
    writeFileSync(pulled, files.entries[0]!.content as Buffer);
    expect(modinfo(pulled, 'signer')).toBe(hub.key.commonName);
    expect(modinfo(pulled, 'sig_key')).toBe(hub.key.serial);

    // Asking again (another PreflightValidation for the same kernel) builds nothing: same content-hash job.
    await applyPreflight('signed-again', {
      kernelVersions: [`${BUILT}+`],
      pushBuiltImage: true,
      selector: { matchLabels: { tier: 'signed' } },
    });
    expect((await settledModules('signed-again'))[0]).toMatchObject({ verificationStatus: 'Success' });
    expect(await hub.jobCounts()).toEqual({ builds: before.builds + 1, signs: before.signs + 1 });
  });

  it('reports Failure naming the kernel when no kernel mapping matches, and Missing images without build', async () => {
    await applyMcm('nomatch', { tier: 'nomatch' }, [
      { regexp: '\\.el9_\\d+\\.x86_64$', containerImage: `${repo('nomatch')}:\${KERNEL_FULL_VERSION}` },
    ]);
    await applyPreflight('nomatch', { kernelVersions: [DEBIAN, RHEL], selector: { matchLabels: { tier: 'nomatch' } } });

    const modules = await settledModules('nomatch');
    expect(modules).toEqual([
      expect.objectContaining({
        kernelVersion: DEBIAN,
        verificationStatus: 'Failure',
        verificationStage: 'Done',
        statusReason: `no kernel mapping of spec.moduleSpec.moduleLoader.container.kernelMappings matches kernel ${DEBIAN}`,
      }),
      expect.objectContaining({
        kernelVersion: RHEL,
        verificationStatus: 'Failure',
        verificationStage: 'Done',
        statusReason: `image ${repo('nomatch')}:${RHEL} is not in its registry, and its kernel mapping has neither build nor sign`,
      }),
    ]);
  });

  it('builds nothing without pushBuiltImage, and says that a missing built image needs it', async () => {
    const kernel = '6.1.0-95-amd64';
    const before = await hub.jobCounts();

    await applyPreflight('no-push', { kernelVersion: kernel, selector: { matchLabels: { tier: 'signed' } } });

    const [entry] = await settledModules('no-push');
    expect(entry).toMatchObject({
      name: 'signed',
      kernelVersion: kernel,
      verificationStatus: 'Failure',
      verificationStage: 'Done',
      statusReason: `image ${repo('signed')}:${kernel} is not in its registry; its kernel mapping builds or signs it: set spec.pushBuiltImage to true to have the hub build, sign and push it`,
    });
    expect(await hub.jobCounts()).toEqual(before);
  });

  it('reports Failure with the build error and its last log lines for a broken Dockerfile', async () => {
    await hub.dockerfile(
      'broken-dockerfile',
      `FROM ${hub.repository}/hello-src:latest\nRUN echo preflight-broken-step && exit 3\n`,
    );
    const image = repo('broken');
    await applyMcm('broken', { tier: 'broken' }, [
      hub.buildAndSignMapping({ regexp: BUILT_KERNELS }, `${image}:\${KERNEL_FULL_VERSION}`, 'broken-dockerfile'),
    ]);

    await applyPreflight('broken', {
      kernelVersion: BROKEN,
      pushBuiltImage: true,
      selector: { matchLabels: { tier: 'broken' } },
    });

    const [entry] = await settledModules('broken', 240_000);
    expect(entry).toMatchObject({ kernelVersion: BROKEN, verificationStatus: 'Failure', verificationStage: 'Done' });
    expect(entry!.statusReason).toContain(`building or signing ${image}:${BROKEN} failed: `);
    expect(entry!.statusReason).toMatch(/last log lines:\n(.|\n)*preflight-broken-step/);
  });

  it('says why nothing was checked when the spec is invalid, in status and in a Warning Event', async () => {
    await applyPreflight('invalid', { kernelVersions: [DEBIAN, `${DEBIAN}+`] });
    const message = `spec.kernelVersions[1]: "${DEBIAN}+" is listed twice (first at spec.kernelVersions[0])`;
    await vi.waitFor(
      async () =>
        expect((await preflights.get('invalid')).status).toEqual({ observedGeneration: 1, message, modules: [] }),
      { timeout: 20_000, interval: 250 },
    );
    const events = await hub.t.http.json<{
      items: { type: string; reason: string; message: string; involvedObject: { kind: string } }[];
    }>('GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=invalid')}`);
    expect(events.items.map((e) => [e.type, e.reason, e.message, e.involvedObject.kind])).toEqual([
      ['Warning', 'InvalidSpec', message, 'PreflightValidation'],
    ]);
  });

  it('refuses an invalid PreflightValidation at the API server, naming field and rule', async () => {
    const err = await hub.t.http
      .json('POST', '/apis/hub.kmm.sigs.x-k8s.io/v1beta1/preflightvalidations', {
        body: {
          apiVersion: RESOURCES.PreflightValidation.apiVersion,
          kind: 'PreflightValidation',
          metadata: { name: 'empty' },
          spec: { pushBuiltImage: true },
        },
      })
      .catch((e: unknown) => e);
    expect(String(err)).toContain('set spec.kernelVersion or spec.kernelVersions (at least one kernel to check)');
  });

  describe('upcoming kernels', () => {
    const mcms = () => new ResourceClient<ManagedClusterModule>(hub.t.http, RESOURCES.ManagedClusterModule);
    const mappingOf = async (kernel: string) => {
      const mw = await hub.t.getMw(CLUSTER, 'upcoming');
      const module = mw?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
      return module?.spec?.moduleLoader?.container.kernelMappings.find((m) => m.literal === kernel);
    };

    it('prebuilds an upcoming kernel, and a cluster moving to it gets its ManifestWork with zero builds in between', async () => {
      const image = repo('upcoming');
      // The kernel the cluster runs now has an image already; every kernel of the build range is built and signed.
      await pushImage(registry, image.slice(env.registry.host.length + 1), NOW, [
        { path: `/opt/lib/modules/${NOW}/${HELLO_MODULE_NAME}.ko`, content: Buffer.from('now') },
      ]);
      await hub.t.applyCluster(CLUSTER, { preflight: 'upcoming' }, [NOW]);
      await applyMcm(
        'upcoming',
        {},
        [
          { literal: NOW, containerImage: `${image}:${NOW}` },
          hub.buildAndSignMapping({ regexp: BUILT_KERNELS }, `${image}:\${KERNEL_FULL_VERSION}`),
        ],
        { upcomingKernels: [NEXT] },
      );

      await vi.waitFor(
        async () =>
          expect((await hub.t.getMcm('upcoming')).status?.upcomingKernels).toEqual([
            expect.objectContaining({
              kernel: NEXT,
              image: `${image}:${NEXT}`,
              state: 'Ready',
              digest: expect.stringMatching(/^sha256:/),
            }),
          ]),
        { timeout: 240_000, interval: 250 },
      );
      const prebuilt = (await hub.t.getMcm('upcoming')).status!.upcomingKernels![0]!.digest!;
      await vi.waitFor(async () => expect(await mappingOf(NOW)).toBeDefined(), { timeout: 30_000, interval: 250 });

      // The MCM reconciler's own status writes (here: the ManifestWork reported Available) keep upcomingKernels.
      await hub.t.reportApplied(CLUSTER, 'upcoming');
      await vi.waitFor(
        async () => {
          const status = (await hub.t.getMcm('upcoming')).status;
          expect(status?.numberAvailable).toBe(1);
          expect(status?.upcomingKernels?.map((k) => k.kernel)).toEqual([NEXT]);
        },
        { timeout: 30_000, interval: 250 },
      );

      const before = await hub.jobCounts();
      await hub.t.applyCluster(CLUSTER, { preflight: 'upcoming' }, [NEXT]);
      await vi.waitFor(
        async () => expect(await mappingOf(NEXT)).toEqual({ literal: NEXT, containerImage: `${image}@${prebuilt}` }),
        { timeout: 30_000, interval: 100 },
      );
      expect(await hub.jobCounts()).toEqual(before);
      expect(await mappingOf(NOW)).toBeUndefined();
    });

    it('adds the kernels of the hub-wide ConfigMap to every MCM, Unmapped where no mapping matches', async () => {
      await hub.t.applier.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: UPCOMING_KERNELS_CONFIGMAP.name, namespace: HUB_NAMESPACE },
        data: { [UPCOMING_KERNELS_CONFIGMAP.key]: `# next RHEL minor\n${RHEL}\n` },
      } as never);
      await vi.waitFor(
        async () => {
          expect((await mcms().get('present')).status?.upcomingKernels).toEqual([
            expect.objectContaining({ kernel: RHEL, state: 'Ready', image: `${repo('present')}:${RHEL}` }),
          ]);
          expect((await mcms().get('upcoming')).status?.upcomingKernels).toEqual([
            expect.objectContaining({ kernel: NEXT, state: 'Ready' }),
            {
              kernel: RHEL,
              state: 'Unmapped',
              message: `no kernel mapping of spec.moduleSpec.moduleLoader.container.kernelMappings matches kernel ${RHEL}`,
            },
          ]);
        },
        { timeout: 30_000, interval: 250 },
      );
    });
  });
});
