import {
  CLUSTER_CLAIMS,
  LABELS,
  newManagedClusterModule,
  RESOURCES,
  type ManagedCluster,
  type ManagedClusterModule,
  type ManifestWork,
} from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { diffCells, moduleState, summarizeFleet } from './summarize-fleet.js';

function cluster(name: string, labels: Record<string, string>, kernels?: string[], available = 'True'): ManagedCluster {
  return {
    apiVersion: RESOURCES.ManagedCluster.apiVersion,
    kind: 'ManagedCluster',
    metadata: { name, labels },
    spec: { hubAcceptsClient: true },
    status: {
      conditions: [
        {
          type: 'ManagedClusterConditionAvailable',
          status: available,
          reason: 'r',
          message: '',
          lastTransitionTime: '2026-11-27T00:00:00Z',
        },
      ],
      ...(kernels && { clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value: `${kernels.join('\n')}\n` }] }),
    },
  } as ManagedCluster;
}

function mcm(
  name: string,
  selector: Record<string, string>,
  status?: ManagedClusterModule['status'],
): ManagedClusterModule {
  return { ...newManagedClusterModule({ metadata: { name }, spec: { selector } }), ...(status && { status }) };
}

function work(module: string, ns: string, applied: boolean): ManifestWork {
  const cond = (type: string) => ({
    type,
    status: applied ? 'True' : 'False',
    reason: type,
    message: '',
    lastTransitionTime: '2026-11-27T00:00:00Z',
    observedGeneration: 1,
  });
  return {
    apiVersion: RESOURCES.ManifestWork.apiVersion,
    kind: 'ManifestWork',
    metadata: { name: module, namespace: ns, generation: 1, labels: { [LABELS.managedClusterModuleName]: module } },
    spec: {},
    status: { conditions: [cond('Applied'), cond('Available')] },
  } as ManifestWork;
}

const K1 = '6.1.0-1-amd64';
const K2 = '6.1.0-2-amd64';

describe('summarizeFleet', () => {
  const clusters = [
    cluster('b', { fleet: 'x' }, [K2, K1]),
    cluster('a', { fleet: 'x' }, [K1], 'False'),
    cluster('c', { fleet: 'y' }),
  ];
  const gpu = mcm(
    'gpu',
    { fleet: 'x' },
    {
      clusters: [
        {
          name: 'a',
          state: 'Ready',
          kernels: [{ kernel: K1, state: 'Ready', image: 'r/gpu:1', digest: 'sha256:1' }],
        },
      ],
    },
  );
  const nic = mcm('nic', { fleet: 'y' });
  const model = summarizeFleet({
    modules: [nic, gpu],
    clusters,
    manifestWorks: [work('gpu', 'a', true), work('other', 'a', true)],
  });

  it('builds the matrix from the current selection, sorted, with a cell per selected cluster', () => {
    expect(model.matrix).toEqual({
      clusters: ['a', 'b', 'c'],
      modules: ['gpu', 'nic'],
      cells: [
        { module: 'gpu', cluster: 'a', state: 'Ready' },
        { module: 'gpu', cluster: 'b', state: 'Pending' },
        { module: 'nic', cluster: 'c', state: 'Pending' },
      ],
    });
  });

  it('reports a selected cluster the controller has not planned as Pending/NotPlannedYet', () => {
    expect(model.modules.get('gpu')?.placement[1]).toEqual({
      cluster: 'b',
      state: 'Pending',
      reason: 'NotPlannedYet',
      manifestWork: null,
      loader: {},
      devicePlugin: {},
      kernels: [],
    });
  });

  it('shows a module being deleted where its status says it is still being cleaned up', () => {
    const deleting = mcm(
      'gpu',
      { fleet: 'x' },
      {
        clusters: [{ name: 'a', state: 'Progressing', reason: 'Deleting', message: 'held by finalizers f' }],
      },
    );
    deleting.metadata.deletionTimestamp = new Date('2026-11-27T00:00:00Z');
    const fleet = summarizeFleet({ modules: [deleting], clusters, manifestWorks: [work('gpu', 'a', true)] });
    expect(fleet.modules.get('gpu')?.placement.map((p) => [p.cluster, p.state, p.reason, p.message])).toEqual([
      ['a', 'Progressing', 'Deleting', 'held by finalizers f'],
    ]);
    expect(fleet.modules.get('gpu')?.state).toBe('Progressing');
  });

  it('tells clusters left out of a very large status by their ManifestWork: Ready, waiting for the agent, or none yet', () => {
    const big = mcm('gpu', { fleet: 'x' }, { clustersOmitted: 2, clusters: [] });
    const fleet = summarizeFleet({
      modules: [big],
      clusters,
      manifestWorks: [work('gpu', 'a', true), { ...work('gpu', 'b', false), status: {} }],
    });
    // b's ManifestWork is written but not applied yet: Progressing (it was shown as Pending, "not planned yet",
    // for the 8,125 such clusters of the 10,000-cluster bench/results/fleet-scale.md run).
    expect(fleet.modules.get('gpu')?.placement.map((p) => [p.cluster, p.state, p.reason])).toEqual([
      ['a', 'Ready', 'OmittedFromStatus'],
      ['b', 'Progressing', 'OmittedFromStatus'],
    ]);
    expect(fleet.modules.get('gpu')?.clusters).toMatchObject({ selected: 2, ready: 1 });
    const unwritten = summarizeFleet({ modules: [big], clusters, manifestWorks: [work('gpu', 'a', true)] });
    expect(unwritten.modules.get('gpu')?.placement.map((p) => [p.cluster, p.state])).toEqual([
      ['a', 'Ready'],
      ['b', 'Pending'],
    ]);
    // The work agent refused to apply it.
    const refused = summarizeFleet({ modules: [big], clusters, manifestWorks: [work('gpu', 'b', false)] });
    expect(refused.modules.get('gpu')?.placement.map((p) => [p.cluster, p.state])).toEqual([
      ['a', 'Pending'],
      ['b', 'Degraded'],
    ]);
  });

  it('decodes the work agent report of our ManifestWork only', () => {
    expect(model.modules.get('gpu')?.placement[0]?.manifestWork).toEqual({
      applied: true,
      available: true,
      degraded: false,
      stale: false,
      problems: [],
    });
  });

  it('describes clusters: availability, sorted kernels from the claim, modules', () => {
    expect(model.clusters.get('b')).toMatchObject({
      available: 'True',
      kernelsReported: true,
      kernels: [{ kernel: K1 }, { kernel: K2 }],
      modules: [{ module: 'gpu', state: 'Pending' }],
    });
    expect(model.clusters.get('c')).toMatchObject({ kernelsReported: false, kernels: [], available: 'True' });
    expect(model.clusters.get('a')?.available).toBe('False');
  });

  it('totals clusters, modules, kernels and images', () => {
    expect(model.totals).toEqual({
      clusters: { total: 3, byAvailability: { True: 2, False: 1 } },
      modules: { total: 2, byState: { Progressing: 1, Pending: 1 } },
      kernels: { total: 2 },
      images: { total: 1, byState: { Ready: 1 } },
    });
    expect([...(model.imagesByModule.get('gpu') ?? [])]).toEqual([`r/gpu:1 ${K1}`]);
  });

  it('gives each module an overview: clusters by state, distinct kernels, images by worst state', () => {
    const two = mcm(
      'two',
      { fleet: 'x' },
      {
        clusters: [
          { name: 'a', state: 'Ready', kernels: [{ kernel: K1, state: 'Ready', image: 'img' }] },
          {
            name: 'b',
            state: 'Degraded',
            kernels: [
              { kernel: K1, state: 'Failed', image: 'img', lastError: 'boom' },
              { kernel: K2, state: 'Unmapped' },
            ],
          },
        ],
      },
    );
    expect(summarizeFleet({ modules: [two, nic], clusters, manifestWorks: [] }).overview).toEqual([
      {
        name: 'nic',
        state: 'Pending',
        clusters: { selected: 1, byState: { Pending: 1 } },
        kernels: { total: 0 },
        images: { total: 0, byState: {} },
      },
      {
        name: 'two',
        state: 'Degraded',
        clusters: { selected: 2, byState: { Ready: 1, Degraded: 1 } },
        kernels: { total: 2 },
        images: { total: 1, byState: { Failed: 1 } },
      },
    ]);
  });

  it('gives an image shown by several clusters its worst state', () => {
    const two = mcm(
      'two',
      { fleet: 'x' },
      {
        clusters: [
          { name: 'a', state: 'Ready', kernels: [{ kernel: K1, state: 'Ready', image: 'img' }] },
          { name: 'b', state: 'Degraded', kernels: [{ kernel: K1, state: 'Failed', image: 'img', lastError: 'boom' }] },
        ],
      },
    );
    expect(summarizeFleet({ modules: [two], clusters, manifestWorks: [] }).totals.images).toEqual({
      total: 1,
      byState: { Failed: 1 },
    });
  });

  it('marks a module whose selector does not compile Invalid, with no cells', () => {
    const bad = newManagedClusterModule({
      metadata: { name: 'bad' },
      spec: {
        selector: {},
        clusterSelector: { matchExpressions: [{ key: 'x', operator: 'Near', values: [] }] },
      } as never,
    });
    const m = summarizeFleet({ modules: [bad], clusters, manifestWorks: [] });
    expect(m.modules.get('bad')).toMatchObject({ state: 'Invalid', placement: [], selectionError: expect.any(String) });
    expect(m.matrix.cells).toEqual([]);
  });
});

describe('moduleState', () => {
  it.each([
    [false, [], 'Idle'],
    [true, ['Ready'], 'Invalid'],
    [false, ['Ready', 'Ready'], 'Ready'],
    [false, ['Ready', 'Degraded'], 'Degraded'],
    [false, ['Pending', 'Pending'], 'Pending'],
    [false, ['Pending', 'Ready'], 'Progressing'],
    [false, ['NoKernels'], 'Progressing'],
  ] as const)('invalid=%s, clusters %j → %s', (invalid, states, expected) => {
    expect(
      moduleState(
        invalid,
        states.map((state) => ({ state })),
      ),
    ).toBe(expected);
  });
});

describe('diffCells', () => {
  it('lists changed, new and vanished cells', () => {
    expect(
      diffCells(
        [
          { module: 'm', cluster: 'a', state: 'Pending' },
          { module: 'm', cluster: 'b', state: 'Ready' },
          { module: 'm', cluster: 'c', state: 'Ready' },
        ],
        [
          { module: 'm', cluster: 'a', state: 'Ready' },
          { module: 'm', cluster: 'b', state: 'Ready' },
          { module: 'n', cluster: 'a', state: 'Pending' },
        ],
      ),
    ).toEqual([
      { module: 'm', cluster: 'a', state: 'Ready' },
      { module: 'n', cluster: 'a', state: 'Pending' },
      { module: 'm', cluster: 'c', state: null },
    ]);
  });
});
