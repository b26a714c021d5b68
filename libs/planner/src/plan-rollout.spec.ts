import type { ManifestWork, RolloutStatus, RolloutStrategy } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import {
  planRollout,
  rolloutWorkStateOf,
  type RolloutClusterInput,
  type RolloutInput,
  type RolloutWorkState,
} from './plan-rollout.js';

const NOW = '2026-12-05T03:00:00.000Z';
const ago = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
const OLD = 'sha256:old';
const NEW = 'sha256:new';
const AVAILABLE_LONG_AGO: RolloutWorkState = { state: 'Available', since: ago(600) };
const SILENT: RolloutWorkState = { state: 'NotReported' };

function cluster(name: string, overrides: Partial<RolloutClusterInput> = {}): RolloutClusterInput {
  return { name, labels: {}, currentRevision: OLD, desiredRevision: NEW, work: AVAILABLE_LONG_AGO, ...overrides };
}

/** c1..c4 on the old revision, all Available. */
const FOUR = ['c1', 'c2', 'c3', 'c4'].map((n) => cluster(n));
const progressive = (config: NonNullable<RolloutStrategy['progressive']> = {}, extra: Partial<RolloutStrategy> = {}) =>
  ({ type: 'Progressive', progressive: config, ...extra }) satisfies RolloutStrategy;

/** status.rollout after wave `wave` sent the new revision to `names` `minutes` ago. */
function previousWave(wave: number, names: string[], minutes = 1, revision = NEW): RolloutStatus {
  return {
    state: 'Progressing',
    wave,
    clusters: names.map((name) => ({ name, state: 'Progressing', wave, revision, since: ago(minutes) })),
  };
}

/** `FOUR` after a wave gave `names` the new revision and each reports `work[name]` (Available long ago by default). */
function afterWave(names: string[], work: Record<string, RolloutWorkState> = {}): RolloutClusterInput[] {
  return FOUR.map((c) =>
    names.includes(c.name) ? { ...c, currentRevision: NEW, work: work[c.name] ?? AVAILABLE_LONG_AGO } : c,
  );
}

function plan(input: Partial<RolloutInput>) {
  return planRollout({ clusters: FOUR, now: NOW, ...input });
}

const statesOf = (p: ReturnType<typeof planRollout>) => Object.fromEntries(p.clusters.map((c) => [c.name, c.state]));

describe('planRollout', () => {
  it.each<[string, RolloutStrategy | undefined]>([
    ['no spec.rollout', undefined],
    ['type All', { type: 'All' }],
    ['a rollout with no type (All by default)', {}],
  ])('gives every cluster the new content at once with %s, as without rollout', (_, rollout) => {
    const sut = plan({ rollout });

    expect(sut.keep.size).toBe(0);
    expect(sut.status).toBeUndefined();
    expect(sut.clusters.map((c) => c.revision)).toEqual([NEW, NEW, NEW, NEW]);
  });

  it.each<[string, number | string, string[]]>([
    ['a count', 2, ['c1', 'c2']],
    ['a count as text', '3', ['c1', 'c2', 'c3']],
    ['50% of 4 clusters', '50%', ['c1', 'c2']],
    ['30% of 4 clusters, rounded down', '30%', ['c1']],
    ['10% of 4 clusters, at least one', '10%', ['c1']],
    ['100%', '100%', ['c1', 'c2', 'c3', 'c4']],
    ['more than the clusters', 9, ['c1', 'c2', 'c3', 'c4']],
  ])('starts wave 1 with maxConcurrency as %s: %j get the new content, the others keep theirs', (_, max, first) => {
    const sut = plan({ rollout: progressive({ maxConcurrency: max }) });

    expect(sut.clusters.filter((c) => c.revision === NEW).map((c) => c.name)).toEqual(first);
    expect(sut.released).toEqual(first);
    expect([...sut.keep]).toEqual(FOUR.map((c) => c.name).filter((n) => !first.includes(n)));
    expect(sut.status).toMatchObject({ state: 'Progressing', wave: 1, numberProgressing: first.length });
    expect(sut.status?.clusters).toEqual(
      first.map((name) => ({ name, state: 'Progressing', wave: 1, revision: NEW, since: NOW })),
    );
  });

  it('defaults maxConcurrency to one cluster per wave', () => {
    expect([...plan({ rollout: progressive() }).keep]).toEqual(['c2', 'c3', 'c4']);
  });

  it('keeps the previous content for clusters not reached: their revision is the current one', () => {
    const sut = plan({ rollout: progressive({ maxConcurrency: 1 }) });

    expect(sut.clusters).toEqual([
      { name: 'c1', state: 'Progressing', revision: NEW },
      { name: 'c2', state: 'Pending', revision: OLD },
      { name: 'c3', state: 'Pending', revision: OLD },
      { name: 'c4', state: 'Pending', revision: OLD },
    ]);
  });

  it('waits while a cluster of the wave is not Available', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2 }),
      clusters: afterWave(['c1', 'c2'], { c2: SILENT }),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Progressing', c3: 'Pending', c4: 'Pending' });
    expect(sut.status).toMatchObject({ state: 'Progressing', wave: 1, numberUpdated: 1, numberPending: 2 });
    expect(sut.requeueAfterMs).toBeUndefined();
  });

  it('starts the next wave once every cluster of the wave is Available', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2 }),
      clusters: afterWave(['c1', 'c2']),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Updated', c3: 'Progressing', c4: 'Progressing' });
    expect(sut.status).toMatchObject({ state: 'Progressing', wave: 2 });
    expect(sut.status?.clusters?.map((c) => [c.name, c.wave])).toEqual([
      ['c3', 2],
      ['c4', 2],
    ]);
  });

  it('waits minSuccessTime after the cluster became Available and asks to be called back then', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, minSuccessTime: '5m' }),
      clusters: afterWave(['c1', 'c2'], { c2: { state: 'Available', since: ago(1) } }),
      previous: previousWave(1, ['c1', 'c2'], 3),
    });

    expect(statesOf(sut)).toEqual({ c1: 'Progressing', c2: 'Progressing', c3: 'Pending', c4: 'Pending' });
    expect(sut.requeueAfterMs).toBe(2 * 60_000);
  });

  it('counts minSuccessTime from when the cluster received the content when it was Available before', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 1, minSuccessTime: '10m' }),
      clusters: afterWave(['c1']),
      previous: previousWave(1, ['c1'], 4),
    });

    expect(statesOf(sut).c1).toBe('Progressing');
    expect(sut.requeueAfterMs).toBe(6 * 60_000);
  });

  it('asks to be called back at the progressDeadline of a silent cluster', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, progressDeadline: '10m' }),
      clusters: afterWave(['c1', 'c2'], { c1: SILENT, c2: SILENT }),
      previous: previousWave(1, ['c1', 'c2'], 4),
    });

    expect(sut.requeueAfterMs).toBe(6 * 60_000);
    expect(sut.halted).toBeUndefined();
  });

  it('asks to be called back at the progressDeadline of a wave it starts', () => {
    expect(plan({ rollout: progressive({ progressDeadline: '90s' }) }).requeueAfterMs).toBe(90_000);
  });

  it('halts after the first wave when a cluster is not Available by progressDeadline, naming it', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, progressDeadline: '10m' }),
      clusters: afterWave(['c1', 'c2'], { c2: SILENT }),
      previous: previousWave(1, ['c1', 'c2'], 11),
    });

    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Failed', c3: 'Pending', c4: 'Pending' });
    expect([...sut.keep]).toEqual(['c3', 'c4']);
    expect(sut.halted?.clusters).toEqual(['c2']);
    expect(sut.status).toMatchObject({ state: 'Halted', wave: 1, numberFailed: 1, numberPending: 2 });
    expect(sut.status?.message).toBe(
      'rollout halted by 1 failed clusters, more than maxFailures 0: c2 (TimedOut: not Available for 0 within progressDeadline 10m)',
    );
    expect(sut.status?.clusters).toEqual([
      {
        name: 'c2',
        state: 'TimedOut',
        wave: 1,
        revision: NEW,
        since: ago(11),
        message: 'not Available for 0 within progressDeadline 10m',
      },
    ]);
  });

  it('halts when a cluster of the wave fails, with the work agent message', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2 }),
      clusters: afterWave(['c1', 'c2'], { c1: { state: 'Failed', message: 'Applied=False: forbidden' } }),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect(sut.halted?.message).toBe(
      'rollout halted by 1 failed clusters, more than maxFailures 0: c1 (Failed: Applied=False: forbidden)',
    );
    expect([...sut.keep]).toEqual(['c3', 'c4']);
  });

  it.each<[string, number | string]>([
    ['a count', 1],
    ['a percentage of the selected clusters', '25%'],
  ])('goes on past failures within maxFailures as %s', (_, maxFailures) => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, maxFailures }),
      clusters: afterWave(['c1', 'c2'], { c2: { state: 'Failed', message: 'Degraded' } }),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect(sut.halted).toBeUndefined();
    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Failed', c3: 'Progressing', c4: 'Progressing' });
  });

  it('keeps counting a failed cluster that goes silent as failed, not in flight beside the next wave', () => {
    const failed: RolloutStatus = {
      state: 'Progressing',
      wave: 1,
      clusters: [{ name: 'c2', state: 'Failed', wave: 1, revision: NEW, since: ago(3), message: 'Degraded' }],
    };
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, maxFailures: 1 }),
      clusters: afterWave(['c1', 'c2'], { c2: SILENT }),
      previous: failed,
    });

    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Failed', c3: 'Progressing', c4: 'Progressing' });
    expect(sut.status?.clusters?.[0]).toMatchObject({ name: 'c2', state: 'Failed', message: 'Degraded' });
  });

  it('keeps delivering a cluster released by an earlier plan whose ManifestWork was not written yet, even paused', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2 }, { paused: true }),
      clusters: afterWave(['c1']),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect(statesOf(sut)).toEqual({ c1: 'Updated', c2: 'Progressing', c3: 'Pending', c4: 'Pending' });
    expect(sut.released).toEqual(['c2']);
    expect(sut.clusters[1]?.revision).toBe(NEW);
    expect(sut.status?.clusters).toEqual([previousWave(1, ['c2']).clusters![0]]);
  });

  it('resumes when the failed cluster recovers', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, progressDeadline: '10m' }),
      clusters: afterWave(['c1', 'c2'], { c2: { state: 'Available', since: ago(1) } }),
      previous: { ...previousWave(1, ['c1', 'c2'], 11), state: 'Halted' },
    });

    expect(sut.halted).toBeUndefined();
    expect(sut.status).toMatchObject({ state: 'Progressing', wave: 2 });
  });

  it('starts again from wave 1 with the clusters first in order when the content changes after a halt', () => {
    const halted = { ...previousWave(1, ['c1', 'c2'], 11), state: 'Halted' as const };
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, progressDeadline: '10m' }),
      clusters: afterWave(['c1', 'c2'], { c2: SILENT }).map((c) => ({ ...c, desiredRevision: 'sha256:fix' })),
      previous: halted,
    });

    expect(sut.halted).toBeUndefined();
    expect(sut.clusters.map((c) => [c.name, c.revision])).toEqual([
      ['c1', 'sha256:fix'],
      ['c2', 'sha256:fix'],
      ['c3', OLD],
      ['c4', OLD],
    ]);
    expect(sut.status?.wave).toBe(2);
  });

  it('advances nothing while paused', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2 }, { paused: true }),
      clusters: afterWave(['c1', 'c2']),
      previous: previousWave(1, ['c1', 'c2']),
    });

    expect([...sut.keep]).toEqual(['c3', 'c4']);
    expect(sut.status).toMatchObject({ state: 'Paused', wave: 1, numberUpdated: 2, numberPending: 2 });
  });

  it.each<[string, Partial<RolloutStrategy>]>([
    ['paused', { paused: true }],
    ['Progressive', {}],
  ])('gives a cluster without a ManifestWork the current content at once while %s', (_, extra) => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 1 }, extra),
      clusters: [...FOUR, cluster('c5', { currentRevision: undefined, work: SILENT })],
    });

    expect(sut.clusters.at(-1)).toEqual({ name: 'c5', state: 'Updated', revision: NEW });
  });

  it('gives a cluster without a ManifestWork the current content while halted', () => {
    const sut = plan({
      rollout: progressive({ maxConcurrency: 2, progressDeadline: '10m' }),
      clusters: [...afterWave(['c1', 'c2'], { c2: SILENT }), cluster('c5', { currentRevision: undefined })],
      previous: previousWave(1, ['c1', 'c2'], 11),
    });

    expect(sut.status?.state).toBe('Halted');
    expect(sut.clusters.at(-1)?.revision).toBe(NEW);
  });

  it('is Complete when every cluster runs the desired revision, and starts a new rollout at wave 1', () => {
    const done = plan({
      rollout: progressive({ maxConcurrency: 2 }),
      clusters: afterWave(['c1', 'c2', 'c3', 'c4']),
      previous: previousWave(2, ['c3', 'c4']),
    });
    expect(done.status).toEqual({
      state: 'Complete',
      wave: 2,
      numberUpdated: 4,
      numberProgressing: 0,
      numberPending: 0,
      numberFailed: 0,
      clusters: [],
    });

    const next = plan({
      rollout: progressive({ maxConcurrency: 2 }),
      clusters: afterWave(['c1', 'c2', 'c3', 'c4']).map((c) => ({ ...c, desiredRevision: 'sha256:next' })),
      previous: done.status,
    });
    expect(next.status).toMatchObject({ state: 'Progressing', wave: 1 });
  });

  it('treats a cluster on the desired revision that no wave sent as Updated', () => {
    expect(statesOf(plan({ rollout: progressive(), clusters: afterWave(['c3'], { c3: SILENT }) })).c3).toBe('Updated');
  });

  describe('groups', () => {
    const RING = 'example.com/ring';
    const GROUPED = [
      cluster('a-prod', { labels: { [RING]: 'prod' } }),
      cluster('b-canary', { labels: { [RING]: 'canary' } }),
      cluster('c-early', { labels: { [RING]: 'early' } }),
      cluster('d-none'),
      cluster('e-prod', { labels: { [RING]: 'prod' } }),
    ];
    const perGroup = (config: RolloutStrategy['progressivePerGroup'] = {}) =>
      ({ type: 'ProgressivePerGroup', groupLabel: RING, progressivePerGroup: config }) satisfies RolloutStrategy;

    /** The waves a rollout goes through when every cluster becomes Available at once. */
    function waves(rollout: RolloutStrategy): string[][] {
      let clusters = GROUPED;
      let previous: RolloutStatus | undefined;
      const seen: string[][] = [];
      for (let i = 0; i < 10 && previous?.state !== 'Complete'; i += 1) {
        const sut = planRollout({ rollout, clusters, previous, now: NOW });
        const started = (sut.status?.clusters ?? []).filter((c) => c.since === NOW).map((c) => c.name);
        if (started.length > 0) seen.push(started);
        clusters = clusters.map((c) => (sut.keep.has(c.name) ? c : { ...c, currentRevision: NEW }));
        previous = sut.status;
      }
      return seen;
    }

    it.each<[string, RolloutStrategy, string[][]]>([
      [
        'ProgressivePerGroup: groups by value, clusters without the label last',
        perGroup(),
        [['b-canary'], ['c-early'], ['a-prod', 'e-prod'], ['d-none']],
      ],
      [
        'ProgressivePerGroup: mandatory groups first in their declared order',
        perGroup({ mandatoryDecisionGroups: [{ groupName: 'early' }, { groupName: 'canary' }] }),
        [['c-early'], ['b-canary'], ['a-prod', 'e-prod'], ['d-none']],
      ],
      [
        'Progressive: a mandatory group alone first, then by name',
        progressive({ maxConcurrency: 3, mandatoryDecisionGroups: [{ groupName: 'canary' }] }, { groupLabel: RING }),
        [['b-canary'], ['a-prod', 'c-early', 'e-prod'], ['d-none']],
      ],
    ])('rolls out %s', (_, rollout, expected) => {
      expect(waves(rollout)).toEqual(expected);
    });

    it('halts on any failure in a mandatory group whatever maxFailures allows', () => {
      const sut = planRollout({
        rollout: perGroup({ maxFailures: '100%', mandatoryDecisionGroups: [{ groupName: 'canary' }] }),
        clusters: GROUPED.map((c) =>
          c.name === 'b-canary' ? { ...c, currentRevision: NEW, work: { state: 'Failed', message: 'Degraded' } } : c,
        ),
        previous: previousWave(1, ['b-canary']),
        now: NOW,
      });

      expect(sut.halted?.message).toBe(
        'rollout halted by a failure in a mandatory decision group (canary): b-canary (Failed: Degraded)',
      );
      expect(sut.keep.size).toBe(4);
    });

    it.each<[number | string, boolean]>([
      ['50%', false],
      ['49%', true],
      [1, false],
      [0, true],
    ])(
      'measures maxFailures %j against the size of the group (one of two prod clusters failed): halted %s',
      (max, halted) => {
        const sut = planRollout({
          rollout: perGroup({ maxFailures: max }),
          clusters: GROUPED.map((c) =>
            c.name === 'a-prod'
              ? { ...c, currentRevision: NEW, work: { state: 'Failed', message: 'Degraded' } }
              : c.name === 'e-prod' || c.name === 'b-canary' || c.name === 'c-early'
                ? { ...c, currentRevision: NEW }
                : c,
          ),
          previous: previousWave(3, ['a-prod', 'e-prod']),
          now: NOW,
        });

        expect(sut.halted !== undefined).toBe(halted);
        expect(sut.keep.has('d-none')).toBe(halted);
      },
    );
  });
});

describe('rolloutWorkStateOf', () => {
  const condition = (type: string, status: 'True' | 'False', observedGeneration = 2) => ({
    type,
    status,
    observedGeneration,
    reason: 'R',
    message: `${type} ${status}`,
    lastTransitionTime: ago(3),
  });
  const work = (...conditions: ReturnType<typeof condition>[]): ManifestWork => ({
    apiVersion: 'work.open-cluster-management.io/v1',
    kind: 'ManifestWork',
    metadata: { name: 'm', namespace: 'c1', generation: 2 },
    spec: { workload: { manifests: [] } },
    status: { conditions },
  });

  it.each<[string, ManifestWork, RolloutWorkState['state']]>([
    ['nothing reported', work(), 'NotReported'],
    [
      'Available for the current generation',
      work(condition('Applied', 'True'), condition('Available', 'True')),
      'Available',
    ],
    ['Available for an older generation', work(condition('Available', 'True', 1)), 'NotReported'],
    ['Available False', work(condition('Applied', 'True'), condition('Available', 'False')), 'NotReported'],
    ['Applied False', work(condition('Applied', 'False')), 'Failed'],
    ['Applied False for an older generation', work(condition('Applied', 'False', 1)), 'NotReported'],
    ['Degraded', work(condition('Available', 'True'), condition('Degraded', 'True')), 'Failed'],
  ])('reads %s as %s', (_, mw, state) => {
    expect(rolloutWorkStateOf(mw).state).toBe(state);
  });

  it('dates Available from the condition and names the failure', () => {
    expect(rolloutWorkStateOf(work(condition('Available', 'True')))).toEqual({ state: 'Available', since: ago(3) });
    expect(rolloutWorkStateOf(work(condition('Applied', 'False')))).toMatchObject({
      state: 'Failed',
      message: expect.stringContaining('Applied False'),
    });
  });
});
