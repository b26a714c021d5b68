import { parseCountOrPercent, resolveCountOrPercent, type RolloutStatus, type RolloutStrategy } from '@kmm-hub/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRollout, type RolloutClusterInput, type RolloutWorkState } from './plan-rollout.js';

const RING = 'ring';
const START = Date.parse('2026-12-05T00:00:00.000Z');

const rollout: fc.Arbitrary<RolloutStrategy> = fc.oneof(
  fc.record({
    type: fc.constant('Progressive' as const),
    groupLabel: fc.constant(RING),
    progressive: fc.record({
      maxConcurrency: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom('10%', '25%', '50%', '100%')),
      maxFailures: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '30%')),
      minSuccessTime: fc.constantFrom('0', '2m'),
      progressDeadline: fc.constantFrom('None', '5m'),
      mandatoryDecisionGroups: fc.constantFrom<{ groupName: string }[][]>([], [{ groupName: 'canary' }]),
    }),
  }),
  fc.record({
    type: fc.constant('ProgressivePerGroup' as const),
    groupLabel: fc.constant(RING),
    progressivePerGroup: fc.record({
      maxFailures: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '50%')),
      minSuccessTime: fc.constantFrom('0', '2m'),
      progressDeadline: fc.constantFrom('None', '5m'),
      mandatoryDecisionGroups: fc.constantFrom<{ groupName: string }[][]>(
        [],
        [{ groupName: 'canary' }],
        [{ groupName: 'b' }, { groupName: 'canary' }],
      ),
    }),
  }),
);

const fleet = fc.uniqueArray(
  fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
    group: fc.constantFrom('canary', 'a', 'b', undefined),
    hasWork: fc.boolean(),
  }),
  { minLength: 1, maxLength: 12, selector: (c) => c.name },
);

/** What happens between two reconciles: time passes, agents report, an admin pauses, the content changes. */
const step = fc.record({
  minutes: fc.integer({ min: 0, max: 4 }),
  reports: fc.array(fc.constantFrom<RolloutWorkState['state']>('Available', 'Failed', 'NotReported'), {
    minLength: 12,
    maxLength: 12,
  }),
  paused: fc.boolean(),
  newContent: fc.boolean(),
});

describe('planRollout (properties)', () => {
  it('never exceeds maxConcurrency, never advances while halted or paused, never moves a cluster backwards', () => {
    fc.assert(
      fc.property(rollout, fleet, fc.array(step, { minLength: 1, maxLength: 25 }), (spec, members, steps) => {
        let now = START;
        let desired = 'rev-1';
        let previous: RolloutStatus | undefined;
        let clusters: RolloutClusterInput[] = members.map((m) => ({
          name: m.name,
          labels: m.group ? { [RING]: m.group } : ({} as Record<string, string>),
          ...(m.hasWork && { currentRevision: 'rev-0' }),
          desiredRevision: desired,
          work: { state: 'NotReported' },
        }));
        for (const [index, s] of steps.entries()) {
          const paused = s.paused && index % 3 !== 0;
          const sut = planRollout({
            rollout: { ...spec, paused },
            clusters,
            previous,
            now: new Date(now).toISOString(),
          });

          for (const [i, c] of clusters.entries()) {
            const planned = sut.clusters[i]!;
            // Never backwards: a cluster on the desired revision stays on it; one without a ManifestWork gets it.
            if (c.currentRevision === undefined || c.currentRevision === c.desiredRevision) {
              expect(planned.revision).toBe(c.desiredRevision);
            }
            // Halted or paused: no cluster that keeps older content is reached.
            // (A cluster released by an earlier plan and not written yet is already reached.)
            const released = previous?.clusters?.some(
              (r) => r.name === c.name && r.state === 'Progressing' && r.revision === c.desiredRevision,
            );
            if ((sut.halted || paused) && !released) {
              if (c.currentRevision !== undefined) expect(planned.revision).toBe(c.currentRevision);
            }
            expect(sut.keep.has(c.name)).toBe(planned.revision !== c.desiredRevision);
          }
          const progressing = sut.clusters.filter((c) => c.state === 'Progressing').length;
          if (spec.type === 'Progressive') {
            const parsed = parseCountOrPercent(spec.progressive?.maxConcurrency ?? 1)!;
            expect(progressing).toBeLessThanOrEqual(Math.max(1, resolveCountOrPercent(parsed, clusters.length)));
          }
          // Liveness: with nothing in flight, nothing halted and nothing paused, pending clusters get a wave.
          const pendingBefore = clusters.some(
            (c) => c.currentRevision !== undefined && c.currentRevision !== c.desiredRevision,
          );
          const inFlightBefore = (previous?.clusters ?? []).some((r) => r.state === 'Progressing');
          if (!sut.halted && !paused && pendingBefore && !inFlightBefore) expect(progressing).toBeGreaterThan(0);
          expect(sut.status?.state === 'Halted').toBe(sut.halted !== undefined);

          // The hub writes what the plan says; the agents report; time passes; sometimes the content changes.
          previous = sut.status;
          now += s.minutes * 60_000;
          if (s.newContent && index % 4 === 3) desired = `rev-${index}`;
          clusters = clusters.map((c, i) => {
            const revision = sut.clusters[i]!.revision;
            const changed = revision !== c.currentRevision;
            const report = s.reports[i % s.reports.length]!;
            const work: RolloutWorkState =
              changed || report === 'NotReported'
                ? { state: 'NotReported' }
                : report === 'Failed'
                  ? { state: 'Failed', message: 'Degraded' }
                  : c.work.state === 'Available'
                    ? c.work
                    : { state: 'Available', since: new Date(now).toISOString() };
            return { ...c, currentRevision: revision, desiredRevision: desired, work };
          });
        }
      }),
      { numRuns: 1_000 },
    );
  }, 60_000);
});
