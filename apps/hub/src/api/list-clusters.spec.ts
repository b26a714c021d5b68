import { describe, expect, it } from 'vitest';
import type { ClusterSummary } from './dto/fleet.dto.js';
import { clusterAttention, clusterSortKey, filterClusters, isSortKeyOf } from './list-clusters.js';

function cluster(
  name: string,
  modules: Record<string, ClusterSummary['modules'][number]['state']>,
  labels: Record<string, string> = {},
  available: ClusterSummary['available'] = 'True',
): ClusterSummary {
  return {
    name,
    labels,
    available,
    kernelsReported: true,
    kernels: [],
    modules: Object.entries(modules).map(([module, state]) => ({ module, state })),
  };
}

const fleet = [
  cluster('edge-ready', { gpu: 'Ready', nic: 'Ready' }, { region: 'eu', tier: 'gold' }),
  cluster('edge-degraded', { gpu: 'Ready', nic: 'Degraded' }, { region: 'us' }),
  cluster('edge-down', { gpu: 'Ready' }, { region: 'eu' }, 'Unknown'),
  cluster('edge-pending', { gpu: 'Pending' }, { region: 'ap', tier: 'silver' }),
  cluster('lab-idle', {}, { region: 'eu', team: 'goldfish' }),
];
const names = (list: readonly ClusterSummary[]) => list.map((c) => c.name);

describe('clusterAttention', () => {
  it.each([
    ['edge-degraded', 0],
    ['edge-down', 1],
    ['edge-pending', 2],
    ['edge-ready', 3],
    ['lab-idle', 3],
  ])('ranks %s %i', (name, rank) => {
    expect(clusterAttention(fleet.find((c) => c.name === name)!)).toBe(rank);
  });
});

describe('filterClusters', () => {
  it.each([
    [{}, ['edge-ready', 'edge-degraded', 'edge-down', 'edge-pending', 'lab-idle']],
    [{ q: 'edge-d' }, ['edge-degraded', 'edge-down']],
    [{ q: 'region=eu' }, ['edge-ready', 'edge-down', 'lab-idle']],
    [{ q: 'REGION=EU edge' }, ['edge-ready', 'edge-down']],
    [{ q: 'region=e' }, []],
    [{ q: 'gold' }, ['edge-ready', 'lab-idle']],
    [{ q: 'tier=' }, []],
    [{ q: '  ' }, ['edge-ready', 'edge-degraded', 'edge-down', 'edge-pending', 'lab-idle']],
    [{ module: 'nic' }, ['edge-ready', 'edge-degraded']],
    [{ state: 'Degraded' }, ['edge-degraded']],
    [{ state: 'Ready', module: 'nic' }, ['edge-ready']],
    [{ state: 'NeedsAttention' }, ['edge-degraded', 'edge-down', 'edge-pending']],
    [{ state: 'NeedsAttention', module: 'gpu' }, ['edge-pending']],
    [{ state: 'Pending', module: 'nic' }, []],
    [{ module: 'missing' }, []],
  ] as const)('%j lists %j', (filter, expected) => {
    expect(names(filterClusters(fleet, filter))).toEqual(expected);
  });
});

describe('clusterSortKey', () => {
  it('sorts the clusters needing attention first, by name within a rank', () => {
    const sorted = fleet.toSorted((a, b) => (clusterSortKey('attention', a) < clusterSortKey('attention', b) ? -1 : 1));
    expect(names(sorted)).toEqual(['edge-degraded', 'edge-down', 'edge-pending', 'edge-ready', 'lab-idle']);
  });

  it.each([
    ['name', 'edge-a', true],
    ['name', '3/edge-a', false],
    ['attention', '3/edge-a', true],
    ['attention', 'edge-a', false],
    ['attention', '9/edge-a', false],
  ] as const)('a %s cursor key %j is its own: %s', (order, key, own) => {
    expect(isSortKeyOf(order, key)).toBe(own);
  });
});
