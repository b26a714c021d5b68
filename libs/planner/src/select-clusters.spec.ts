import { LABELS, type ManagedCluster, type ManagedClusterModule, type PlacementDecision } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { compileClusterSelector, decidedClusters, isDecisionOf, selectClusters } from './select-clusters.js';

const cluster = (name: string, labels: Record<string, string>, deleting = false): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name, labels, ...(deleting ? { deletionTimestamp: new Date('2026-11-27T00:00:00Z') } : {}) },
  spec: { hubAcceptsClient: true },
});

const mcm = (spec: Partial<ManagedClusterModule['spec']>): ManagedClusterModule =>
  ({
    apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
    kind: 'ManagedClusterModule',
    metadata: { name: 'gpu' },
    spec: { spokeNamespace: 'kmm', selector: {}, moduleSpec: {} as never, ...spec },
  }) as ManagedClusterModule;

describe('compileClusterSelector', () => {
  const labels = { env: 'prod', gpu: 'nvidia', region: 'eu' };
  it.each([
    ['empty selector selects everything', {}, undefined, true],
    ['equality match', { env: 'prod' }, undefined, true],
    ['equality mismatch', { env: 'dev' }, undefined, false],
    ['equality on a missing label', { zone: 'a' }, undefined, false],
    ['In', {}, { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['nvidia', 'amd'] }] }, true],
    ['In without the label', {}, { matchExpressions: [{ key: 'fpga', operator: 'In', values: ['x'] }] }, false],
    ['NotIn', {}, { matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['amd'] }] }, true],
    [
      'NotIn matches a missing label',
      {},
      { matchExpressions: [{ key: 'fpga', operator: 'NotIn', values: ['x'] }] },
      true,
    ],
    ['Exists', {}, { matchExpressions: [{ key: 'region', operator: 'Exists' }] }, true],
    ['DoesNotExist', {}, { matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] }, false],
    ['matchLabels', {}, { matchLabels: { region: 'eu' } }, true],
    ['both must match', { env: 'prod' }, { matchLabels: { region: 'us' } }, false],
  ] as const)('%s', (_n, selector, clusterSelector, expected) => {
    const sut = compileClusterSelector(selector, clusterSelector as never);
    expect(sut.ok && sut.matches(labels)).toBe(expected);
  });

  it.each([
    [
      { key: 'a', operator: 'In', values: [] },
      'spec.clusterSelector.matchExpressions[0]: operator In needs at least one value',
    ],
    [
      { key: 'a', operator: 'Exists', values: ['x'] },
      'spec.clusterSelector.matchExpressions[0]: operator Exists takes no values',
    ],
    [
      { key: 'a', operator: 'Equals', values: ['x'] },
      'spec.clusterSelector.matchExpressions[0]: unknown operator "Equals"; use In, NotIn, Exists or DoesNotExist',
    ],
  ] as const)('rejects %j with a precise reason', (req, reason) => {
    expect(compileClusterSelector({}, { matchExpressions: [req as never] })).toEqual({ ok: false, reason });
  });
});

describe('selectClusters', () => {
  it('returns matching clusters sorted by name and sets aside those being deleted', () => {
    const clusters = [
      cluster('b', { gpu: 'yes' }),
      cluster('a', { gpu: 'yes' }),
      cluster('c', { gpu: 'no' }),
      cluster('d', { gpu: 'yes' }, true),
    ];
    const sut = selectClusters(mcm({ selector: { gpu: 'yes' } }), clusters);
    expect(sut.ok).toBe(true);
    if (!sut.ok) return;
    expect(sut.selection.selected.map((c) => c.metadata.name)).toEqual(['a', 'b']);
    expect(sut.selection.terminating).toEqual(['d']);
  });
});

describe('selection through an OCM Placement', () => {
  const decision = (ns: string, placement: string, clusters: string[]): PlacementDecision => ({
    apiVersion: 'cluster.open-cluster-management.io/v1beta1',
    kind: 'PlacementDecision',
    metadata: { name: `${placement}-decision-1`, namespace: ns, labels: { [LABELS.ocmPlacement]: placement } },
    status: { decisions: clusters.map((clusterName) => ({ clusterName, reason: '' })) },
  });
  const fleet = [cluster('a', { gpu: 'yes' }), cluster('b', { gpu: 'yes' }), cluster('c', {}), cluster('d', {})];
  const names = (r: ReturnType<typeof selectClusters>) => (r.ok ? r.selection.selected.map((c) => c.metadata.name) : r);
  const ref = { namespace: 'fleet', name: 'gpus' };

  it('unions every decision of the Placement, ignoring empty names and other Placements and namespaces', () => {
    const decisions = [
      decision('fleet', 'gpus', ['a', '']),
      { ...decision('fleet', 'gpus', ['c']), metadata: { ...decision('fleet', 'gpus', []).metadata, name: 'gpus-2' } },
      decision('fleet', 'other', ['b']),
      decision('elsewhere', 'gpus', ['d']),
    ];
    expect([...decidedClusters(ref, decisions)].toSorted()).toEqual(['a', 'c']);
    expect(names(selectClusters(mcm({ placementRef: ref }), fleet, decisions))).toEqual(['a', 'c']);
  });

  it('also applies the label selectors, and ignores decided clusters that do not exist', () => {
    const decisions = [decision('fleet', 'gpus', ['a', 'c', 'ghost'])];
    expect(names(selectClusters(mcm({ placementRef: ref, selector: { gpu: 'yes' } }), fleet, decisions))).toEqual([
      'a',
    ]);
    expect(names(selectClusters(mcm({ placementRef: ref }), fleet, decisions))).toEqual(['a', 'c']);
  });

  it('selects nothing while the Placement has no decision, and ignores decisions without a placementRef', () => {
    expect(names(selectClusters(mcm({ placementRef: ref }), fleet, []))).toEqual([]);
    expect(names(selectClusters(mcm({}), fleet, [decision('fleet', 'gpus', ['a'])]))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('matches a decision to its Placement by namespace and placement label', () => {
    expect(isDecisionOf(ref, decision('fleet', 'gpus', []))).toBe(true);
    expect(isDecisionOf(ref, decision('fleet', 'gpus-2', []))).toBe(false);
    expect(isDecisionOf(ref, decision('other', 'gpus', []))).toBe(false);
  });
});
