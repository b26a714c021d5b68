import {
  CLUSTER_CLAIMS,
  LABELS,
  newManagedClusterModule,
  type ManagedCluster,
  type ManifestWork,
  type PlacementDecision,
} from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import {
  hubInputsOf,
  keysForHubInput,
  keysForManagedCluster,
  keysForManagedClusterModule,
  keysForManifestWork,
  keysForPlacementDecision,
  managedClusterChanged,
} from './managed-cluster-module.mapper.js';

const cluster = (name: string, labels: Record<string, string>): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name, labels },
  spec: { hubAcceptsClient: true },
  status: { clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value: '6.1.0-1' }] },
});

describe('keysForManifestWork', () => {
  it.each([
    [{ [LABELS.managedClusterModuleName]: 'gpu' }, 'edge-1', ['cluster:gpu/edge-1']],
    [{}, 'edge-1', []],
    [{ other: 'x' }, 'edge-1', []],
  ])('maps labels %j in %s to %j', (labels, namespace, keys) => {
    const mw = { metadata: { name: 'gpu', namespace, labels } } as unknown as ManifestWork;
    expect(keysForManifestWork(mw)).toEqual(keys);
  });
});

describe('keysForManagedClusterModule', () => {
  const base = newManagedClusterModule({ metadata: { name: 'gpu', generation: 3, finalizers: ['a'] } });
  const with_ = (meta: object, status?: object) => ({
    ...base,
    metadata: { ...base.metadata, ...meta },
    ...(status && { status }),
  });

  it.each([
    ['a new MCM', undefined, base, ['mcm:gpu']],
    ['a spec change (new generation)', base, with_({ generation: 4 }), ['mcm:gpu']],
    ['a deletion', base, with_({ deletionTimestamp: new Date('2026-11-27T00:00:00Z') }), ['mcm:gpu']],
    ['a finalizer change', base, with_({ finalizers: [] }), ['mcm:gpu']],
    ['a status-only update', base, with_({ resourceVersion: '99' }, { numberSelected: 3 }), []],
  ] as const)('%s maps to %j', (_n, old, now, keys) => {
    expect(keysForManagedClusterModule(now as never, old as never)).toEqual(keys);
  });
});

describe('keysForManagedCluster', () => {
  const gpu = newManagedClusterModule({ metadata: { name: 'gpu' }, spec: { selector: { gpu: 'yes' } } });
  const fpga = newManagedClusterModule({ metadata: { name: 'fpga' }, spec: { selector: { fpga: 'yes' } } });

  it('re-plans the MCMs that select the cluster', () => {
    expect(keysForManagedCluster(cluster('edge-1', { gpu: 'yes' }), [gpu, fpga], () => false)).toEqual([
      'cluster:gpu/edge-1',
      'mcm:gpu',
    ]);
  });

  it('re-plans an MCM that no longer selects the cluster but still has a ManifestWork there', () => {
    const keys = keysForManagedCluster(cluster('edge-1', {}), [gpu, fpga], (m, c) => m === 'fpga' && c === 'edge-1');
    expect(keys).toEqual(['cluster:fpga/edge-1', 'mcm:fpga']);
  });
});

describe('keysForHubInput', () => {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu' } });
  mcm.spec.moduleSpec.imageRepoSecret = { name: 'pull' };

  it('finds every Secret and ConfigMap an MCM reads', () => {
    expect([...hubInputsOf(mcm)].toSorted()).toEqual(['mod-example', 'pull', 'signing-cert', 'signing-key']);
  });

  it.each([
    ['mod-example', ['mcm:gpu']],
    ['signing-key', ['mcm:gpu']],
    ['unrelated', []],
  ])('a change of %s re-plans %j', (name, keys) => {
    expect(keysForHubInput(name, [mcm])).toEqual(keys);
  });
});

describe('keysForPlacementDecision', () => {
  const decision = (placement: string, clusters: string[], namespace = 'fleet'): PlacementDecision => ({
    apiVersion: 'cluster.open-cluster-management.io/v1beta1',
    kind: 'PlacementDecision',
    metadata: { name: `${placement}-decision-1`, namespace, labels: { [LABELS.ocmPlacement]: placement } },
    status: { decisions: clusters.map((clusterName) => ({ clusterName, reason: '' })) },
  });
  const byPlacement = newManagedClusterModule({
    metadata: { name: 'gpu' },
    spec: { selector: {}, placementRef: { namespace: 'fleet', name: 'gpus' } },
  });
  const byLabels = newManagedClusterModule({ metadata: { name: 'nic' }, spec: { selector: {} } });
  const mcms = [byPlacement, byLabels];

  it('re-plans the MCMs whose placementRef names the decision’s Placement', () => {
    expect(keysForPlacementDecision(decision('gpus', ['a']), mcms)).toEqual(['mcm:gpu']);
    expect(keysForPlacementDecision(decision('other', ['a']), mcms)).toEqual([]);
    expect(keysForPlacementDecision(decision('gpus', ['a'], 'elsewhere'), mcms)).toEqual([]);
  });

  it('ignores an update that keeps the decided clusters, in any order', () => {
    expect(keysForPlacementDecision(decision('gpus', ['b', 'a']), mcms, decision('gpus', ['a', 'b']))).toEqual([]);
    expect(keysForPlacementDecision(decision('gpus', ['a']), mcms, decision('gpus', ['a', 'b']))).toEqual(['mcm:gpu']);
  });

  it('re-plans the MCMs of the Placement a decision was relabelled away from', () => {
    expect(keysForPlacementDecision(decision('other', ['a']), mcms, decision('gpus', ['a']))).toEqual(['mcm:gpu']);
  });
});

describe('managedClusterChanged', () => {
  const before = cluster('edge-1', { env: 'prod' });
  const claims = (value: string): ManagedCluster => ({
    ...before,
    status: { clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value }] },
  });
  it.each<[string, ManagedCluster, boolean]>([
    ['a heartbeat (same labels, claims, no deletion)', { ...before, status: { ...before.status, version: {} } }, false],
    ['labels changed', cluster('edge-1', { env: 'dev' }), true],
    ['kernel claim changed', claims('6.1.0-2'), true],
    ['deletion started', { ...before, metadata: { ...before.metadata, deletionTimestamp: new Date(0) } }, true],
  ])('%s → %s', (_, now, expected) => {
    expect(managedClusterChanged(before, now)).toBe(expected);
  });
});
