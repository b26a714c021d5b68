import { newManagedClusterModule, type ClusterDeliveryStatus } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { summarizeStatus } from './summarize-status.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const ready = (name: string): ClusterDeliveryStatus => ({
  name,
  state: 'Ready',
  manifestWork: { applied: true, available: true },
  kernels: [{ kernel: '6.1.0-56-amd64', state: 'Ready', digest: `sha256:${'a'.repeat(64)}` }],
});
const conditionsOf = (s: ReturnType<typeof summarizeStatus>) =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));

describe('summarizeStatus', () => {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu', generation: 4 } });

  it('is all True when every cluster is ready, applied and available', () => {
    const sut = summarizeStatus({ mcm, clusters: [ready('a'), ready('b')], manifestWorks: new Map(), now });
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

  it('names the kernels and clusters that hold each condition back', () => {
    const building: ClusterDeliveryStatus = {
      name: 'b',
      state: 'Degraded',
      reason: 'SomeImagesFailed',
      message: '1 of 2 kernels published',
      manifestWork: { applied: true, available: false },
      kernels: [
        { kernel: '6.1.0-56-amd64', state: 'Ready' },
        { kernel: '5.14.0-1', state: 'Missing', lastError: 'no image' },
      ],
    };
    const sut = summarizeStatus({ mcm, clusters: [ready('a'), building], manifestWorks: new Map(), now });
    const byType = Object.fromEntries((sut.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.ImagesReady).toMatchObject({
      status: 'False',
      message: 'kernels without a ready image: b/5.14.0-1 Missing',
    });
    expect(byType.Available).toMatchObject({ status: 'False', message: 'not available on b' });
    expect(byType.Degraded).toMatchObject({
      status: 'True',
      reason: 'SomeImagesFailed',
      message: 'b: 1 of 2 kernels published',
    });
  });

  it('lists only what fits its size budget, Ready clusters left out first, and counts the rest', () => {
    const degraded: ClusterDeliveryStatus = { ...ready('z'), state: 'Degraded', reason: 'ManifestWorkNotAvailable' };
    const all = [ready('a'), ready('b'), degraded, ready('c')];
    const room = JSON.stringify(ready('a')).length + JSON.stringify(degraded).length + 2;
    const sut = summarizeStatus({ mcm, clusters: all, manifestWorks: new Map(), now, maxClusterBytes: room });
    expect(sut.clusters?.map((c) => c.name)).toEqual(['a', 'z']);
    expect(sut.clustersOmitted).toBe(2);
    // Counters and conditions still cover every selected cluster.
    expect(sut.numberSelected).toBe(4);
    expect(conditionsOf(sut).Degraded).toEqual(['True', 'ManifestWorkNotAvailable']);
    expect(summarizeStatus({ mcm, clusters: all, manifestWorks: new Map(), now })).not.toHaveProperty(
      'clustersOmitted',
    );
  });

  it('reports an invalid spec and no selection plainly', () => {
    const sut = summarizeStatus({
      mcm,
      clusters: [],
      manifestWorks: new Map(),
      now,
      invalid: { reason: 'InvalidSpec', message: 'spec.spokeNamespace: must be a DNS-1123 label' },
    });
    expect(conditionsOf(sut)).toMatchObject({
      Valid: ['False', 'InvalidSpec'],
      ImagesReady: ['False', 'NoClustersSelected'],
    });
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = summarizeStatus({ mcm, clusters: [ready('a')], manifestWorks: new Map(), now });
    const later = new Date('2026-11-27T13:00:00.000Z');
    const again = summarizeStatus({
      mcm: { ...mcm, status: first },
      clusters: [ready('a')],
      manifestWorks: new Map(),
      now: later,
    });
    expect(again.conditions).toEqual(first.conditions);
    const flipped = summarizeStatus({
      mcm: { ...mcm, status: first },
      clusters: [{ ...ready('a'), manifestWork: { applied: true, available: false } }],
      manifestWorks: new Map(),
      now: later,
    });
    expect(flipped.conditions?.find((c) => c.type === 'Available')?.lastTransitionTime).toBe('2026-11-27T13:00:00Z');
    expect(flipped.conditions?.find((c) => c.type === 'Applied')?.lastTransitionTime).toBe('2026-11-27T12:00:00Z');
  });
});
