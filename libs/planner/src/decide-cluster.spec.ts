import {
  ANNOTATIONS,
  newManagedClusterModule,
  type ClusterDeliveryStatus,
  type KernelImageStatus,
  type ManagedCluster,
  type ManifestWork,
} from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { clusterRecheckAfterMs, isClusterSelected, manifestWorkToWrite } from './decide-cluster.js';

const mcm = newManagedClusterModule({ metadata: { name: 'gpu' }, spec: { selector: { env: 'prod' } } });
const cluster = (labels: Record<string, string>, deleting = false): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name: 'edge-1', labels, ...(deleting && { deletionTimestamp: new Date('2026-12-01T00:00:00Z') }) },
  spec: { hubAcceptsClient: true },
});
const work = (hash?: string): ManifestWork => ({
  apiVersion: 'work.open-cluster-management.io/v1',
  kind: 'ManifestWork',
  metadata: { name: 'gpu', namespace: 'edge-1', ...(hash && { annotations: { [ANNOTATIONS.specHash]: hash } }) },
  spec: { workload: { manifests: [] } },
});

describe('isClusterSelected', () => {
  it.each([
    ['a matching cluster', cluster({ env: 'prod' }), true],
    ['a cluster whose labels do not match', cluster({ env: 'dev' }), false],
    ['a matching cluster being deleted', cluster({ env: 'prod' }, true), false],
    ['a cluster that is gone', undefined, false],
  ])('%s → %s', (_, c, expected) => {
    expect(isClusterSelected(mcm, c, [])).toBe(expected);
  });
});

describe('manifestWorkToWrite', () => {
  const desired = work('h2');
  it.each([
    ['writes when there is none yet', { desired, specHash: 'h2' }, undefined, desired],
    ['writes when the live object carries another hash', { desired, specHash: 'h2' }, work('h1'), desired],
    ['writes when the live object carries no hash', { desired, specHash: 'h2' }, work(), desired],
    ['skips when the live object carries the same hash', { desired, specHash: 'h2' }, work('h2'), undefined],
    ['writes nothing when nothing is desired (the live one is kept)', {}, work('h1'), undefined],
  ])('%s', (_, plan, current, expected) => {
    expect(manifestWorkToWrite(plan, current)).toBe(expected);
  });
});

describe('clusterRecheckAfterMs', () => {
  const status = (...states: KernelImageStatus['state'][]): ClusterDeliveryStatus => ({
    name: 'edge-1',
    state: 'Progressing',
    kernels: states.map((state, i) => ({ kernel: `k${i}`, state })),
  });
  const intervals = { recheckIntervalS: 30, settledResyncS: 600 };
  it.each([
    ['every image Ready: only the safety resync (a moved tag wakes it)', status('Ready'), 600_000],
    ['Ready and Unmapped kernels: only the safety resync', status('Ready', 'Unmapped'), 600_000],
    ['no kernels at all', { name: 'edge-1', state: 'NoKernels' } as ClusterDeliveryStatus, 600_000],
    ['an image building', status('Ready', 'Building'), 30_000],
    ['an image being checked', status('Checking'), 30_000],
    ['an image missing', status('Missing'), 30_000],
    ['an image failed', status('Failed'), 30_000],
  ])('%s', (_, s, expected) => {
    expect(clusterRecheckAfterMs(s, intervals)).toBe(expected);
  });

  it.each([
    ['no jitter', status('Ready'), 0, 600_000],
    ['half: 5% later', status('Ready'), 0.5, 630_000],
    ['almost 1: under 10% later', status('Ready'), 0.999, 659_940],
    ['waiting images are never stretched', status('Checking'), 0.999, 30_000],
  ])('jitter spreads settled resyncs only: %s', (_, s, jitter, expected) => {
    expect(clusterRecheckAfterMs(s, { ...intervals, jitter })).toBe(expected);
  });
});
