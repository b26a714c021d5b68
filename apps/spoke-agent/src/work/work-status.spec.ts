import { describe, expect, it } from 'vitest';
import {
  buildWorkStatus,
  isSameStatus,
  toMetaTime,
  withDeletingCondition,
  type ManifestReport,
} from './work-status.js';

const meta = (ordinal: number, name: string) => ({
  ordinal,
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespace: 'n',
  name,
});
const ok = (ordinal: number, name: string, over: Partial<ManifestReport> = {}): ManifestReport => ({
  meta: meta(ordinal, name),
  applied: { ok: true },
  available: { status: 'True' },
  feedback: { values: [], errors: [] },
  hasFeedbackRules: false,
  ...over,
});
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:00:10Z';
const summary = (s: ReturnType<typeof buildWorkStatus>) =>
  s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('buildWorkStatus', () => {
  it('reports every manifest applied and available', () => {
    const sut = buildWorkStatus({ generation: 2, reports: [ok(0, 'a'), ok(1, 'b')], previous: undefined, now: T1 });
    expect(summary(sut)).toEqual(['Applied=True/AppliedManifestWorkComplete', 'Available=True/ResourcesAvailable']);
    expect(sut.conditions?.every((c) => c.observedGeneration === 2 && c.lastTransitionTime === T1)).toBe(true);
    expect(sut.resourceStatus?.manifests?.[1]?.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Applied=True/AppliedManifestComplete',
      'Available=True/ResourceAvailable',
      'StatusFeedbackSynced=True/NoStatusFeedbackSynced',
    ]);
  });

  it.each<[string, ManifestReport[], string[]]>([
    [
      'a failed manifest',
      [ok(0, 'a'), ok(1, 'b', { applied: { ok: false, message: 'forbidden' } })],
      ['Applied=False/AppliedManifestWorkFailed', 'Available=True/ResourcesAvailable'],
    ],
    [
      'a missing object',
      [ok(0, 'a', { available: { status: 'False' } }), ok(1, 'b')],
      ['Applied=True/AppliedManifestWorkComplete', 'Available=False/ResourcesNotAvailable'],
    ],
    [
      'an object that could not be fetched',
      [
        ok(0, 'a', {
          available: { status: 'Unknown', reason: 'FetchingResourceFailed', message: 'x' },
          feedback: undefined,
        }),
      ],
      ['Applied=True/AppliedManifestWorkComplete', 'Available=Unknown/ResourcesStatusUnknown'],
    ],
    ['no manifest', [], []],
  ])('aggregates %s', (_name, reports, expected) => {
    expect(summary(buildWorkStatus({ generation: 1, reports, previous: undefined, now: T1 }))).toEqual(expected);
  });

  it('keeps lastTransitionTime while nothing changes, and is then the same status (no write)', () => {
    const first = buildWorkStatus({ generation: 1, reports: [ok(0, 'a')], previous: undefined, now: T1 });
    const again = buildWorkStatus({ generation: 1, reports: [ok(0, 'a')], previous: first, now: T2 });
    expect(isSameStatus(first, again)).toBe(true);
  });

  it('re-stamps conditions on a new generation, and StatusFeedbackSynced when the values change', () => {
    const withValue = (n: number) =>
      ok(0, 'a', {
        feedback: { values: [{ name: 'n', fieldValue: { type: 'Integer', integer: n } }], errors: [] },
        hasFeedbackRules: true,
      });
    const first = buildWorkStatus({ generation: 1, reports: [withValue(1)], previous: undefined, now: T1 });
    const changed = buildWorkStatus({ generation: 1, reports: [withValue(2)], previous: first, now: T2 });
    const [applied, available, synced] = changed.resourceStatus?.manifests?.[0]?.conditions ?? [];
    expect([applied?.lastTransitionTime, available?.lastTransitionTime, synced?.lastTransitionTime]).toEqual([
      T1,
      T1,
      T2,
    ]);
    const next = buildWorkStatus({ generation: 2, reports: [withValue(2)], previous: changed, now: T2 });
    expect(next.conditions?.map((c) => [c.observedGeneration, c.lastTransitionTime])).toEqual([
      [2, T2],
      [2, T2],
    ]);
  });

  it('keeps the last feedback while the object cannot be fetched', () => {
    const value = { name: 'n', fieldValue: { type: 'Integer' as const, integer: 1 } };
    const first = buildWorkStatus({
      generation: 1,
      reports: [ok(0, 'a', { feedback: { values: [value], errors: [] } })],
      previous: undefined,
      now: T1,
    });
    const blind = buildWorkStatus({
      generation: 1,
      reports: [
        ok(0, 'a', {
          available: { status: 'Unknown', reason: 'FetchingResourceFailed', message: 'down' },
          feedback: undefined,
        }),
      ],
      previous: first,
      now: T2,
    });
    expect(blind.resourceStatus?.manifests?.[0]?.statusFeedback?.values).toEqual([value]);
  });

  it('matches a previous entry by its identity when the ordinal moved', () => {
    const first = buildWorkStatus({ generation: 1, reports: [ok(0, 'a'), ok(1, 'b')], previous: undefined, now: T1 });
    const moved = buildWorkStatus({ generation: 1, reports: [ok(0, 'b')], previous: first, now: T2 });
    expect(moved.resourceStatus?.manifests?.[0]?.conditions[0]?.lastTransitionTime).toBe(T1);
  });
});

describe('withDeletingCondition', () => {
  it('adds Deleting=True and keeps the rest', () => {
    const first = buildWorkStatus({ generation: 1, reports: [ok(0, 'a')], previous: undefined, now: T1 });
    const sut = withDeletingCondition(first, 1, T2);
    expect(summary(sut)).toEqual([
      'Applied=True/AppliedManifestWorkComplete',
      'Available=True/ResourcesAvailable',
      'Deleting=True/WorkDeleting',
    ]);
    expect(isSameStatus(sut, withDeletingCondition(sut, 1, '2026-01-01T00:01:00Z'))).toBe(true);
  });
});

describe('toMetaTime', () => {
  it('drops milliseconds', () => {
    expect(toMetaTime(new Date('2026-05-06T07:08:09.123Z'))).toBe('2026-05-06T07:08:09Z');
  });
});
