import {
  CLUSTER_CLAIMS,
  newManagedClusterModule,
  type ManagedCluster,
  type ManifestWork,
  type Module,
} from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { kernelTargets } from './kernel-targets.js';
import { planClusterDelivery, type ImageFinding } from './plan-cluster-delivery.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

const mcm = newManagedClusterModule({
  metadata: { name: 'gpu', uid: 'u-1', generation: 2 },
  spec: {
    spokeNamespace: 'kmm',
    moduleSpec: {
      moduleLoader: {
        container: {
          modprobe: { moduleName: 'gpu' },
          kernelMappings: [
            { regexp: '^6\\.1\\.', containerImage: 'registry.test:5000/gpu:${KERNEL_FULL_VERSION}' },
            { literal: '5.14.0-284.el9.x86_64', containerImage: 'registry.test:5000/gpu-el9:${KERNEL_XYZ}' },
          ],
        },
      },
      selector: {},
    },
  },
});

const cluster = (claim?: string): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name: 'edge-1' },
  spec: { hubAcceptsClient: true },
  ...(claim !== undefined && { status: { clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value: claim }] } }),
});

function plan(claim: string | undefined, findings: Record<string, ImageFinding>, current?: ManifestWork) {
  return planClusterDelivery({
    mcm,
    cluster: 'edge-1',
    targets: kernelTargets(mcm, cluster(claim)),
    findings: new Map(Object.entries(findings)),
    ...(current && { current }),
  });
}

/** The ManifestWork as the hub sees it after the agent reported on generation 1 with these conditions. */
function reported(
  mw: ManifestWork,
  conditions: [type: string, status: 'True' | 'False' | 'Unknown', message?: string][],
) {
  return {
    ...mw,
    metadata: { ...mw.metadata, generation: 1 },
    status: {
      conditions: conditions.map(([type, status, message]) => ({
        type,
        status,
        reason: `${type}${status}`,
        message: message ?? '',
        lastTransitionTime: '2026-11-27T00:00:00Z',
        observedGeneration: 1,
      })),
    },
  } satisfies ManifestWork as ManifestWork & { status: NonNullable<ManifestWork['status']> };
}

const moduleOf = (mw: ManifestWork | undefined) => mw?.spec?.workload?.manifests?.[0] as unknown as Module;

describe('planClusterDelivery', () => {
  it('reports a cluster without a kernel claim and renders nothing', () => {
    const sut = plan(undefined, {});
    expect(sut.desired).toBeUndefined();
    expect(sut.status).toMatchObject({ state: 'NoKernels', reason: 'NoKernelClaim' });
  });

  it('publishes the ready kernel now and reports the other per kernel', () => {
    const sut = plan('6.1.0-56-amd64\n5.14.0-284.el9.x86_64\n4.18.0-1', {
      '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A },
      '5.14.0-284.el9.x86_64': { kind: 'pipeline', state: 'building', attempts: 1 },
    });
    const mappings = moduleOf(sut.desired).spec!.moduleLoader!.container.kernelMappings;
    expect(mappings).toEqual([{ literal: '6.1.0-56-amd64', containerImage: `registry.test:5000/gpu@${DIGEST_A}` }]);
    expect(sut.status.kernels).toEqual([
      { kernel: '4.18.0-1', state: 'Unmapped' },
      { kernel: '5.14.0-284.el9.x86_64', image: 'registry.test:5000/gpu-el9:5.14.0', state: 'Building', attempts: 1 },
      { kernel: '6.1.0-56-amd64', image: 'registry.test:5000/gpu:6.1.0-56-amd64', state: 'Ready', digest: DIGEST_A },
    ]);
    expect(sut.status).toMatchObject({ state: 'Progressing', reason: 'ApplyPending' });
  });

  it('pins every ready kernel to its own digest, sorted by kernel', () => {
    const sut = plan('6.1.0-56-amd64\n5.14.0-284.el9.x86_64', {
      '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A },
      '5.14.0-284.el9.x86_64': { kind: 'present', digest: DIGEST_B },
    });
    const images = moduleOf(sut.desired).spec!.moduleLoader!.container.kernelMappings.map((m) => m.containerImage);
    expect(images).toEqual([`registry.test:5000/gpu-el9@${DIGEST_B}`, `registry.test:5000/gpu@${DIGEST_A}`]);
  });

  it.each([
    [{ kind: 'missing' } as ImageFinding, 'does not exist and the kernel mapping has neither build nor sign'],
    [{ kind: 'error', message: 'registry.test:5000: connect ECONNREFUSED' } as ImageFinding, 'ECONNREFUSED'],
    [
      { kind: 'pipeline', state: 'failed', attempts: 5, lastError: 'buildah: exit 1' } as ImageFinding,
      'buildah: exit 1',
    ],
  ])('renders nothing and degrades the cluster when the only kernel fails (%j)', (finding, text) => {
    const sut = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': finding });
    expect(sut.desired).toBeUndefined();
    expect(sut.status.state).toBe('Degraded');
    expect(sut.status.kernels?.[0]?.state).toBe(finding.kind === 'missing' ? 'Missing' : 'Failed');
    expect(sut.status.kernels?.[0]?.lastError).toContain(text);
  });

  it('keeps publishing the digest in use while a rebuild for changed inputs runs, and says so per kernel', () => {
    const sut = plan('6.1.0-56-amd64', {
      '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A, rebuild: { state: 'building', attempts: 1 } },
    });
    expect(moduleOf(sut.desired).spec!.moduleLoader!.container.kernelMappings[0]?.containerImage).toBe(
      `registry.test:5000/gpu@${DIGEST_A}`,
    );
    expect(sut.status.kernels?.[0]).toMatchObject({ state: 'Building', digest: DIGEST_A, attempts: 1 });
  });

  it('treats a present image whose job already succeeded as Ready', () => {
    const sut = plan('6.1.0-56-amd64', {
      '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A, rebuild: { state: 'succeeded', attempts: 1 } },
    });
    expect(sut.status.kernels?.[0]).toMatchObject({ state: 'Ready', digest: DIGEST_A });
  });

  it('waits without a ManifestWork while images are unknown or building', () => {
    const sut = plan('6.1.0-56-amd64', {});
    expect(sut.desired).toBeUndefined();
    expect(sut.status).toMatchObject({ state: 'Pending', reason: 'ImagesNotReady' });
  });

  it('reports Checking and renders nothing while the only kernel is being checked', () => {
    const sut = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'checking' } });
    expect(sut.desired).toBeUndefined();
    expect(sut.status).toMatchObject({ state: 'Pending', reason: 'ImagesNotReady' });
    expect(sut.status.kernels).toEqual([
      { kernel: '6.1.0-56-amd64', image: 'registry.test:5000/gpu:6.1.0-56-amd64', state: 'Checking' },
    ]);
  });

  it('publishes the ready kernel while another is being checked', () => {
    const sut = plan('6.1.0-56-amd64\n5.14.0-284.el9.x86_64', {
      '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A },
      '5.14.0-284.el9.x86_64': { kind: 'checking' },
    });
    expect(moduleOf(sut.desired).spec!.moduleLoader!.container.kernelMappings.map((m) => m.literal)).toEqual([
      '6.1.0-56-amd64',
    ]);
    expect(sut.status.kernels?.find((k) => k.kernel === '5.14.0-284.el9.x86_64')?.state).toBe('Checking');
  });

  it('keeps a published digest Ready and names the failing recheck in lastError', () => {
    const recheckError = 'registry registry.test:5000 failing: 500; next check in 30 s';
    const sut = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A, recheckError } });
    expect(moduleOf(sut.desired).spec!.moduleLoader!.container.kernelMappings[0]?.containerImage).toBe(
      `registry.test:5000/gpu@${DIGEST_A}`,
    );
    expect(sut.status.kernels?.[0]).toEqual({
      kernel: '6.1.0-56-amd64',
      image: 'registry.test:5000/gpu:6.1.0-56-amd64',
      state: 'Ready',
      digest: DIGEST_A,
      lastError: recheckError,
    });
  });

  it('says no mapping matches when none of the kernels is targeted', () => {
    const sut = plan('4.18.0-1', {});
    expect(sut.status).toMatchObject({ state: 'Pending', reason: 'NoMatchingKernel' });
    expect(sut.status.message).toContain('4.18.0-1');
  });

  it('keeps the Module applied before when no kernel matches any more, and says so (Degraded)', () => {
    const applied = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } }).desired!;
    const sut = plan(
      '4.18.0-1',
      {},
      reported(applied, [
        ['Applied', 'True'],
        ['Available', 'True'],
      ]),
    );
    // Nothing new is desired: the reconciler writes nothing and deletes nothing, so the old ManifestWork stays.
    expect(sut.desired).toBeUndefined();
    expect(sut.status).toMatchObject({
      state: 'Degraded',
      reason: 'NoMatchingKernelModuleKept',
      message:
        'no kernel mapping matches any kernel of cluster edge-1 (4.18.0-1); the previously applied Module stays on the cluster (ManifestWork edge-1/gpu is kept unchanged), so that a kernel-mapping mistake unloads nothing; fix the kernel mappings, or deselect the cluster to remove the Module',
    });
    expect(sut.status).not.toHaveProperty('manifestWork');
  });

  it('says the Module applied before stays while no image of the new spec is ready', () => {
    const applied = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } }).desired!;
    const sut = plan('6.1.0-56-amd64', {}, applied);
    expect(sut.status).toMatchObject({
      state: 'Pending',
      reason: 'ImagesNotReady',
      message:
        'waiting for images of 1 kernels: 6.1.0-56-amd64 (registry.test:5000/gpu:6.1.0-56-amd64) Pending; the previously applied Module stays on the cluster (ManifestWork edge-1/gpu is kept unchanged)',
    });
  });

  it('reports an apply the work agent refused with its message, not as pending', () => {
    const findings = { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } } as const;
    const live = reported(plan('6.1.0-56-amd64', findings).desired!, [
      ['Applied', 'False', 'Failed to apply manifest work'],
    ]);
    live.status.resourceStatus = {
      manifests: [
        {
          resourceMeta: {
            group: 'kmm.sigs.x-k8s.io',
            version: 'v1beta1',
            kind: 'Module',
            resource: 'modules',
            name: 'gpu',
            namespace: 'kmm',
            ordinal: 0,
          },
          conditions: [
            {
              type: 'Applied',
              status: 'False',
              reason: 'AppliedManifestFailed',
              message: 'Failed to apply manifest: modules.kmm.sigs.x-k8s.io "gpu" is forbidden',
              lastTransitionTime: '2026-11-27T00:00:00Z',
              observedGeneration: 1,
            },
          ],
        },
      ],
    };
    const sut = plan('6.1.0-56-amd64', findings, live);
    expect(sut.status).toMatchObject({
      state: 'Degraded',
      reason: 'ApplyFailed',
      message: expect.stringContaining('modules.kmm.sigs.x-k8s.io "gpu" is forbidden'),
      manifestWork: {
        applied: false,
        problems: [
          'ManifestWork Applied=False (AppliedFalse): Failed to apply manifest work',
          'Module Applied=False (AppliedManifestFailed): Failed to apply manifest: modules.kmm.sigs.x-k8s.io "gpu" is forbidden',
        ],
      },
    });
  });

  // What the per-cluster manifestWork says: only what the agent reported about the ManifestWork wanted now.
  it.each<[string, boolean, [string, 'True' | 'False' | 'Unknown'][], object | undefined]>([
    ['not written yet', false, [], undefined],
    ['written, no report', true, [], undefined],
    ['Applied only', true, [['Applied', 'True']], { applied: true }],
    [
      'Applied and Available',
      true,
      [
        ['Applied', 'True'],
        ['Available', 'True'],
      ],
      { applied: true, available: true },
    ],
    [
      'Available Unknown',
      true,
      [
        ['Applied', 'True'],
        ['Available', 'Unknown'],
      ],
      { applied: true, problems: ['ManifestWork Available=Unknown (AvailableUnknown)'] },
    ],
  ])('reports the ManifestWork %s', (_name, written, conditions, expected) => {
    const findings = { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } } as const;
    const desired = plan('6.1.0-56-amd64', findings).desired!;
    const sut = plan('6.1.0-56-amd64', findings, written ? reported(desired, conditions) : undefined);
    expect(sut.status.manifestWork).toEqual(expected);
  });

  // The hub does not re-plan a pair for the ADDED event of a ManifestWork it just created
  // (apps/hub/src/controller/manifest-work-writer.ts isOwnCreate): that is only right while a plan against the new
  // object, as the API server returns it (no status yet), says exactly what the plan that created it said.
  it.each([
    ['every kernel ready', '6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } }],
    [
      'one kernel ready, one building, one unmapped',
      '6.1.0-56-amd64\n5.14.0-284.el9.x86_64\n4.18.0-1',
      {
        '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A },
        '5.14.0-284.el9.x86_64': { kind: 'pipeline', state: 'building', attempts: 1 },
      },
    ],
    [
      'one ready, one failing its recheck',
      '6.1.0-56-amd64\n5.14.0-284.el9.x86_64',
      {
        '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A },
        '5.14.0-284.el9.x86_64': { kind: 'present', digest: DIGEST_B, lastError: 'HEAD: 503' },
      },
    ],
  ] as [string, string, Record<string, ImageFinding>][])(
    'plans the same status against the ManifestWork it just created as before creating it: %s',
    (_, claim, findings) => {
      const before = plan(claim, findings);
      const created: ManifestWork = {
        ...before.desired!,
        metadata: { ...before.desired!.metadata, uid: 'u-mw', resourceVersion: '42', generation: 1 },
      };
      const after = plan(claim, findings, created);
      expect(after.status).toEqual(before.status);
      expect(after.specHash).toBe(before.specHash);
    },
  );

  it('reports nothing about a ManifestWork the hub is about to rewrite', () => {
    const old = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_B } }).desired!;
    const sut = plan(
      '6.1.0-56-amd64',
      { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } },
      reported(old, [['Applied', 'False', 'boom']]),
    );
    expect(sut.status).toMatchObject({ state: 'Progressing', reason: 'ApplyPending' });
    expect(sut.status).not.toHaveProperty('manifestWork');
  });

  it('is Ready once the live ManifestWork carries the desired hash and the agent applied it', () => {
    const first = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } });
    const live: ManifestWork = {
      ...first.desired!,
      metadata: { ...first.desired!.metadata, generation: 1 },
      status: {
        conditions: [
          {
            type: 'Applied',
            status: 'True',
            reason: 'AppliedManifestWorkComplete',
            message: '',
            lastTransitionTime: '2026-11-27T00:00:00Z',
            observedGeneration: 1,
          },
          {
            type: 'Available',
            status: 'True',
            reason: 'ResourcesAvailable',
            message: '',
            lastTransitionTime: '2026-11-27T00:00:00Z',
            observedGeneration: 1,
          },
        ],
      },
    };
    const sut = plan('6.1.0-56-amd64', { '6.1.0-56-amd64': { kind: 'present', digest: DIGEST_A } }, live);
    expect(sut.specHash).toBe(first.specHash);
    expect(sut.status).toMatchObject({ state: 'Ready', reason: 'Available' });
  });
});
