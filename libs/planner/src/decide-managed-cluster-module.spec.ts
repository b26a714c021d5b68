import { LABELS, newManagedClusterModule, type ManagedCluster, type PlacementDecision } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import {
  decideManagedClusterModule,
  type ManagedClusterModuleDecision,
  type ManagedClusterModuleSnapshot,
} from './decide-managed-cluster-module.js';

const cluster = (name: string, labels: Record<string, string> = { env: 'prod' }): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name, labels },
  spec: { hubAcceptsClient: true },
});

const live = newManagedClusterModule({ metadata: { name: 'gpu', generation: 1 }, spec: { selector: { env: 'prod' } } });
const deleting = newManagedClusterModule({
  metadata: { name: 'gpu', generation: 1, deletionTimestamp: new Date('2026-12-01T00:00:00Z') },
  spec: { selector: { env: 'prod' } },
});
const badSelector = newManagedClusterModule({
  metadata: { name: 'gpu' },
  spec: { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Near', values: ['prod'] }] } },
});
const badSpec = newManagedClusterModule({ metadata: { name: 'gpu' }, spec: { spokeNamespace: 'Not_A_Namespace' } });
const placed = newManagedClusterModule({
  metadata: { name: 'gpu' },
  spec: { selector: {}, placementRef: { namespace: 'ocm', name: 'gpus' } },
});
const placementDecision = (clusters: string[]): PlacementDecision => ({
  apiVersion: 'cluster.open-cluster-management.io/v1beta1',
  kind: 'PlacementDecision',
  metadata: { name: 'gpus-decision-1', namespace: 'ocm', labels: { [LABELS.ocmPlacement]: 'gpus' } },
  status: { decisions: clusters.map((clusterName) => ({ clusterName, reason: '' })) },
});

const fleet = [cluster('a'), cluster('b'), cluster('dev', { env: 'dev' })];

describe('decideManagedClusterModule', () => {
  it.each<[string, Partial<ManagedClusterModuleSnapshot>, ManagedClusterModuleDecision]>([
    ['forgets an MCM that is gone', { mcm: undefined, owned: ['a'] }, { action: 'Forget' }],
    [
      'waits for ManifestWorks of an MCM being deleted',
      { mcm: deleting, owned: ['a'] },
      { action: 'AwaitManifestWorkDeletion' },
    ],
    ['removes the finalizer once nothing is left', { mcm: deleting, owned: [] }, { action: 'RemoveFinalizer' }],
    ['fans out to the selected clusters', { mcm: live }, { action: 'FanOut', clusters: ['a', 'b'], forget: [] }],
    [
      'also plans clusters that hold a ManifestWork but are no longer selected',
      { mcm: live, owned: ['dev', 'a'] },
      { action: 'FanOut', clusters: ['a', 'b', 'dev'], forget: [] },
    ],
    [
      'forgets planned statuses of clusters neither selected nor holding a ManifestWork',
      { mcm: live, owned: ['dev'], planned: ['a', 'dev', 'gone'] },
      { action: 'FanOut', clusters: ['a', 'b', 'dev'], forget: ['gone'] },
    ],
    [
      'fans out to the clusters a PlacementDecision names',
      { mcm: placed, placementDecisions: [placementDecision(['b', 'dev'])] },
      { action: 'FanOut', clusters: ['b', 'dev'], forget: [] },
    ],
    [
      'fans out to nothing while the Placement decided nothing',
      { mcm: placed, owned: ['a'] },
      { action: 'FanOut', clusters: ['a'], forget: [] },
    ],
  ])('%s', (_, snapshot, expected) => {
    expect(
      decideManagedClusterModule({
        mcm: undefined,
        owned: [],
        planned: [],
        clusters: fleet,
        placementDecisions: [],
        ...snapshot,
      }),
    ).toEqual(expected);
  });

  it.each([
    // Validation and selection each name the bad selector.
    ['a selector that does not compile', badSelector, 2, /Near/],
    ['a spec that does not validate', badSpec, 1, /spokeNamespace/],
  ])('calls %s invalid, naming the problem, and plans nothing', (_, mcm, issues, message) => {
    const decision = decideManagedClusterModule({
      mcm,
      owned: ['a'],
      planned: ['a'],
      clusters: fleet,
      placementDecisions: [],
    });
    expect(decision).toMatchObject({ action: 'Invalid', issues });
    expect(decision.action === 'Invalid' && decision.message).toMatch(message);
  });
});
