import { newManagedClusterModule, type ClusterDeliveryStatus, type Condition } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { summarizeStatus, type SpecValidity, type StatusInput } from './summarize-status.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const K = '6.1.0-56-amd64';
const IMAGE = `registry.test/gpu:${K}`;
const VALID: SpecValidity = { state: 'Valid' };

const ready = (name: string): ClusterDeliveryStatus => ({
  name,
  state: 'Ready',
  reason: 'Available',
  manifestWork: { applied: true, available: true },
  kernels: [{ kernel: K, image: IMAGE, state: 'Ready', digest: DIGEST }],
});
const conditionsOf = (s: ReturnType<typeof summarizeStatus>) =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));
const byType = (s: ReturnType<typeof summarizeStatus>) =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c])) as Record<string, Condition>;

describe('summarizeStatus', () => {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu', generation: 4 } });
  const summarize = (clusters: ClusterDeliveryStatus[], extra: Partial<StatusInput> = {}) =>
    summarizeStatus({ mcm, validity: VALID, clusters, manifestWorks: new Map(), now, ...extra });

  it('is all True when every cluster is ready, applied and available', () => {
    const sut = summarize([ready('a'), ready('b')]);
    expect(conditionsOf(sut)).toEqual({
      Valid: ['True', 'Valid'],
      ImagesReady: ['True', 'AllImagesReady'],
      Applied: ['True', 'AllApplied'],
      Available: ['True', 'AllAvailable'],
      Degraded: ['False', 'NotDegraded'],
    });
    expect(sut.observedGeneration).toBe(4);
    expect(sut.numberSelected).toBe(2);
  });

  // One cluster beside a ready one, in each state of knowledge: [ImagesReady, Applied, Available, Degraded].
  type Row = [string, ClusterDeliveryStatus, [string, string, string, string]];
  it.each<Row>([
    [
      'not planned yet',
      { name: 'x', state: 'Pending', reason: 'NotPlannedYet' },
      ['Unknown', 'Unknown', 'Unknown', 'Unknown'],
    ],
    [
      'reporting no kernels',
      { name: 'x', state: 'NoKernels', reason: 'NoKernelClaim' },
      ['Unknown', 'Unknown', 'Unknown', 'False'],
    ],
    [
      'with an image not checked yet',
      {
        name: 'x',
        state: 'Pending',
        reason: 'ImagesNotReady',
        kernels: [{ kernel: K, image: IMAGE, state: 'Pending' }],
      },
      ['Unknown', 'Unknown', 'Unknown', 'False'],
    ],
    [
      'with an image being built',
      {
        name: 'x',
        state: 'Pending',
        reason: 'ImagesNotReady',
        kernels: [{ kernel: K, image: IMAGE, state: 'Building', attempts: 1 }],
      },
      ['Unknown', 'Unknown', 'Unknown', 'False'],
    ],
    [
      'with an image being signed',
      {
        name: 'x',
        state: 'Pending',
        reason: 'ImagesNotReady',
        kernels: [{ kernel: K, image: IMAGE, state: 'Signing', attempts: 1 }],
      },
      ['Unknown', 'Unknown', 'Unknown', 'False'],
    ],
    [
      'with a missing image',
      {
        name: 'x',
        state: 'Degraded',
        reason: 'ImagesFailed',
        kernels: [{ kernel: K, image: IMAGE, state: 'Missing', lastError: 'gone' }],
      },
      ['False', 'False', 'False', 'True'],
    ],
    [
      'with a ManifestWork written but not reported by the work agent',
      { name: 'x', state: 'Progressing', reason: 'ApplyPending', kernels: ready('x').kernels! },
      ['True', 'Unknown', 'Unknown', 'Unknown'],
    ],
    [
      'applied, availability not reported yet',
      {
        name: 'x',
        state: 'Ready',
        reason: 'Applied',
        manifestWork: { applied: true },
        kernels: ready('x').kernels!,
      },
      ['True', 'True', 'Unknown', 'False'],
    ],
    [
      'applied and reported not available',
      {
        name: 'x',
        state: 'Ready',
        reason: 'Applied',
        manifestWork: { applied: true, available: false },
        kernels: ready('x').kernels!,
      },
      ['True', 'True', 'False', 'False'],
    ],
    [
      'whose apply the work agent reports failed',
      {
        name: 'x',
        state: 'Degraded',
        reason: 'ApplyFailed',
        message: 'the work agent could not apply ManifestWork x/gpu: forbidden',
        manifestWork: { applied: false, problems: ['Module Applied=False (AppliedManifestFailed): forbidden'] },
        kernels: ready('x').kernels!,
      },
      ['True', 'False', 'False', 'True'],
    ],
    [
      'applied while another kernel still builds',
      {
        name: 'x',
        state: 'Progressing',
        reason: 'ImagesPending',
        manifestWork: { applied: true, available: true },
        kernels: [...ready('x').kernels!, { kernel: '6.1.0-57-amd64', state: 'Building', attempts: 1 }],
      },
      ['Unknown', 'True', 'True', 'False'],
    ],
    [
      'whose kernels match no mapping (nothing applied there)',
      { name: 'x', state: 'Pending', reason: 'NoMatchingKernel', kernels: [{ kernel: '4.18.0', state: 'Unmapped' }] },
      ['True', 'False', 'False', 'False'],
    ],
    [
      'whose kernels match no mapping, the old Module kept',
      {
        name: 'x',
        state: 'Degraded',
        reason: 'NoMatchingKernelModuleKept',
        kernels: [{ kernel: '4.18.0', state: 'Unmapped' }],
      },
      ['True', 'False', 'False', 'True'],
    ],
  ])('says what it knows about a cluster %s', (_name, cluster, [images, applied, available, degraded]) => {
    const sut = summarize([ready('a'), cluster]);
    const got = byType(sut);
    expect([got.ImagesReady!.status, got.Applied!.status, got.Available!.status, got.Degraded!.status]).toEqual([
      images,
      applied,
      available,
      degraded,
    ]);
    for (const c of Object.values(got)) {
      if (c.status === 'Unknown')
        expect(c).toMatchObject({ reason: 'NotKnownYet', message: expect.stringContaining('x') });
    }
  });

  it("reports a halted rollout in Degraded naming the failing cluster, and each cluster's revision", () => {
    const rolloutStatus = { state: 'Halted' as const, wave: 1, message: 'rollout halted by 1 failed clusters: b' };
    const sut = summarize([ready('a'), ready('b')], {
      rollout: {
        status: rolloutStatus,
        halted: { clusters: ['b'], message: rolloutStatus.message },
        clusters: [
          { name: 'a', state: 'Updated', revision: 'rev-2' },
          { name: 'b', state: 'Failed', revision: 'rev-2' },
        ],
      },
    });

    expect(byType(sut)['Degraded']).toMatchObject({
      status: 'True',
      reason: 'RolloutHalted',
      message: 'rollout halted by 1 failed clusters: b',
    });
    expect(sut.rollout).toEqual(rolloutStatus);
    expect(sut.clusters?.map((c) => [c.name, c.revision, c.rollout])).toEqual([
      ['a', 'rev-2', 'Updated'],
      ['b', 'rev-2', 'Failed'],
    ]);
  });

  it('adds nothing about rollout without one', () => {
    const sut = summarize([ready('a')]);
    expect(sut.rollout).toBeUndefined();
    expect(sut.clusters?.[0]).toEqual(ready('a'));
  });

  it('counts nothing known about a cluster planned from an older generation, and still lists it', () => {
    const sut = summarize([ready('a'), ready('b')], { stale: new Set(['b']) });
    expect(conditionsOf(sut)).toMatchObject({
      ImagesReady: ['Unknown', 'NotKnownYet'],
      Applied: ['Unknown', 'NotKnownYet'],
      Available: ['Unknown', 'NotKnownYet'],
      Degraded: ['Unknown', 'NotKnownYet'],
    });
    expect(byType(sut).Applied?.message).toBe('not known yet: b not planned for generation 4 yet');
    expect(sut.clusters).toEqual([ready('a'), ready('b')]);
  });

  it('never says ImagesReady=True while clusters are unplanned and a build runs (the first status write)', () => {
    const building: ClusterDeliveryStatus = {
      name: 'b',
      state: 'Pending',
      reason: 'ImagesNotReady',
      kernels: [{ kernel: K, image: IMAGE, state: 'Building', attempts: 1 }],
    };
    const sut = summarize([building, { name: 'c', state: 'Pending', reason: 'NotPlannedYet' }]);
    expect(byType(sut).ImagesReady).toMatchObject({
      status: 'Unknown',
      reason: 'NotKnownYet',
      message: `not known yet: b/${K} Building ${IMAGE}; c not planned yet`,
    });
  });

  it('is False as soon as one input is known bad, and still lists what is not known', () => {
    const missing: ClusterDeliveryStatus = {
      name: 'b',
      state: 'Degraded',
      reason: 'ImagesFailed',
      message: 'no image is ready',
      kernels: [{ kernel: '5.14.0-1', image: 'registry.test/gpu:5.14.0-1', state: 'Missing', lastError: 'no image' }],
    };
    const sut = summarize([missing, { name: 'c', state: 'Pending', reason: 'NotPlannedYet' }]);
    expect(byType(sut).ImagesReady).toMatchObject({
      status: 'False',
      reason: 'ImagesNotReady',
      message:
        'kernels without a ready image: b/5.14.0-1 Missing registry.test/gpu:5.14.0-1 (no image); not known yet: c not planned yet',
    });
    expect(byType(sut).Degraded).toMatchObject({ status: 'True', reason: 'ImagesFailed' });
  });

  it('names the image of every kernel it reports in ImagesReady', () => {
    const failed: ClusterDeliveryStatus = {
      ...ready('b'),
      state: 'Degraded',
      reason: 'SomeImagesFailed',
      kernels: [{ kernel: K, image: IMAGE, state: 'Failed', lastError: 'buildah: exit 1' }],
    };
    expect(byType(summarize([failed])).ImagesReady?.message).toBe(
      `kernels without a ready image: b/${K} Failed ${IMAGE} (buildah: exit 1)`,
    );
  });

  it('carries the work agent’s failure into the Applied condition', () => {
    const refused: ClusterDeliveryStatus = {
      ...ready('b'),
      state: 'Degraded',
      reason: 'ApplyFailed',
      message:
        'the work agent could not apply ManifestWork b/gpu: Module Applied=False (AppliedManifestFailed): forbidden',
      manifestWork: { applied: false },
    };
    expect(byType(summarize([ready('a'), refused])).Applied).toMatchObject({
      status: 'False',
      reason: 'NotApplied',
      message:
        'not applied on b: the work agent could not apply ManifestWork b/gpu: Module Applied=False (AppliedManifestFailed): forbidden',
    });
  });

  it('lists only what fits its size budget, Ready clusters left out first, and counts the rest', () => {
    const degraded: ClusterDeliveryStatus = { ...ready('z'), state: 'Degraded', reason: 'ManifestWorkNotAvailable' };
    const all = [ready('a'), ready('b'), degraded, ready('c')];
    const room = JSON.stringify([ready('a'), degraded]).length;
    const sut = summarize(all, { maxClusterBytes: room });
    expect(sut.clusters?.map((c) => c.name)).toEqual(['a', 'z']);
    expect(sut.clustersOmitted).toBe(2);
    // Counters and conditions still cover every selected cluster.
    expect(sut.numberSelected).toBe(4);
    expect(conditionsOf(sut).Degraded).toEqual(['True', 'ManifestWorkNotAvailable']);
    expect(summarize(all)).not.toHaveProperty('clustersOmitted');
  });

  it.each<[string, SpecValidity, ClusterDeliveryStatus[], Record<string, [string, string]>]>([
    [
      'an invalid spec: nothing else is evaluated',
      { state: 'Invalid', reason: 'InvalidSpec', message: 'spec.spokeNamespace: must be a DNS-1123 label' },
      [ready('a')],
      {
        Valid: ['False', 'InvalidSpec'],
        ImagesReady: ['Unknown', 'InvalidSpec'],
        Applied: ['Unknown', 'InvalidSpec'],
        Available: ['Unknown', 'InvalidSpec'],
        Degraded: ['Unknown', 'InvalidSpec'],
      },
    ],
    [
      'a spec not checked yet',
      { state: 'Unchecked' },
      [ready('a')],
      {
        Valid: ['Unknown', 'NotValidatedYet'],
        ImagesReady: ['Unknown', 'NotValidatedYet'],
        Applied: ['Unknown', 'NotValidatedYet'],
        Available: ['Unknown', 'NotValidatedYet'],
        Degraded: ['Unknown', 'NotValidatedYet'],
      },
    ],
    [
      'no cluster selected: known, and False',
      VALID,
      [],
      {
        Valid: ['True', 'Valid'],
        ImagesReady: ['False', 'NoClustersSelected'],
        Applied: ['False', 'NoClustersSelected'],
        Available: ['False', 'NoClustersSelected'],
        Degraded: ['False', 'NotDegraded'],
      },
    ],
  ])('reports %s', (_name, validity, clusters, expected) => {
    expect(conditionsOf(summarize(clusters, { validity }))).toEqual(expected);
  });

  it('says which clusters are still being cleaned up while the MCM is deleted, and what holds them', () => {
    const sut = summarize([ready('a'), ready('b')], {
      deleting: [
        {
          cluster: 'a',
          name: 'gpu',
          finalizers: ['cluster.open-cluster-management.io/manifest-work-cleanup'],
          deletionRequested: true,
        },
        { cluster: 'b', name: 'gpu', finalizers: [], deletionRequested: true },
      ],
    });
    const message =
      'the ManagedClusterModule is being deleted; waiting for the ManifestWorks of 2 clusters to go: a (held by finalizers cluster.open-cluster-management.io/manifest-work-cleanup); b (being removed)';
    expect(byType(sut).Applied).toMatchObject({ status: 'False', reason: 'Deleting', message });
    expect(byType(sut).Available).toMatchObject({ status: 'False', reason: 'Deleting', message });
    expect(conditionsOf(sut)).toMatchObject({
      ImagesReady: ['Unknown', 'Deleting'],
      Degraded: ['Unknown', 'Deleting'],
    });
    expect(sut.clusters).toEqual([
      {
        name: 'a',
        state: 'Progressing',
        reason: 'Deleting',
        message:
          'ManifestWork a/gpu is being deleted: held by finalizers cluster.open-cluster-management.io/manifest-work-cleanup',
      },
      {
        name: 'b',
        state: 'Progressing',
        reason: 'Deleting',
        message: 'ManifestWork b/gpu is being deleted: being removed',
      },
    ]);
    expect(sut.numberDesired).toBe(0);
    // Deletion bumps the generation: a spec nobody checks any more is not "not validated yet".
    expect(conditionsOf(summarize([], { deleting: [], validity: { state: 'Unchecked' } }))).toMatchObject({
      Valid: ['Unknown', 'Deleting'],
      Applied: ['False', 'Deleting'],
    });
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = summarize([ready('a')]);
    const later = new Date('2026-11-27T13:00:00.000Z');
    const again = summarize([ready('a')], { mcm: { ...mcm, status: first }, now: later });
    expect(again.conditions).toEqual(first.conditions);
    const flipped = summarize([{ ...ready('a'), manifestWork: { applied: true, available: false } }], {
      mcm: { ...mcm, status: first },
      now: later,
    });
    expect(flipped.conditions?.find((c) => c.type === 'Available')?.lastTransitionTime).toBe('2026-11-27T13:00:00Z');
    expect(flipped.conditions?.find((c) => c.type === 'Applied')?.lastTransitionTime).toBe('2026-11-27T12:00:00Z');
  });
});
