import { readFileSync } from 'node:fs';
import type { FeedbackValue, ManifestCondition, ManifestWork } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { decodeManifestWorkStatus, type ManifestWorkStatusSummary } from './decode-manifestwork-status.js';

/** The upstream-ci ManifestWork at generation 2, as an OCM work agent reports it: applied, available, 2 of 3 pods. */
function newReportedWork(): ManifestWork {
  const url = new URL('../test/fixtures/manifestwork-upstream-ci-status.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ManifestWork;
}

function moduleEntry(mw: ManifestWork): ManifestCondition {
  const entry = mw.status?.resourceStatus?.manifests?.[0];
  if (entry === undefined) throw new Error('no manifest status');
  return entry;
}

function withFeedback(values: FeedbackValue[]): ManifestWork {
  const mw = newReportedWork();
  moduleEntry(mw).statusFeedback = { values };
  return mw;
}

const ZERO = { desired: 0, available: 0, nodesMatching: 0 };

describe('decodeManifestWorkStatus', () => {
  it('reads an applied, available work and its feedback; absent counters are 0', () => {
    expect(decodeManifestWorkStatus(newReportedWork())).toEqual<ManifestWorkStatusSummary>({
      applied: true,
      available: true,
      degraded: false,
      stale: false,
      reported: { applied: true, available: true },
      feedbackSynced: true,
      feedback: { moduleLoader: { desired: 3, available: 2, nodesMatching: 3 }, devicePlugin: ZERO, dra: ZERO },
      problems: [],
    });
  });

  it('knows nothing about a work the agent has not reported yet', () => {
    const mw = newReportedWork();
    delete mw.status;
    expect(decodeManifestWorkStatus(mw)).toEqual<ManifestWorkStatusSummary>({
      applied: false,
      available: false,
      degraded: false,
      stale: false,
      reported: {},
      feedbackSynced: false,
      feedback: { moduleLoader: {}, devicePlugin: {}, dra: {} },
      problems: [],
    });
  });

  it('does not count conditions about an older generation', () => {
    const mw = newReportedWork();
    mw.metadata.generation = 3;
    expect(decodeManifestWorkStatus(mw)).toMatchObject({ applied: false, available: false, stale: true, reported: {} });
  });

  // What the agent said about the current generation; anything else is "not said", never false.
  it.each<[string, 'True' | 'False' | 'Unknown' | undefined, number | undefined, boolean | undefined]>([
    ['True', 'True', 2, true],
    ['False', 'False', 2, false],
    ['Unknown', 'Unknown', 2, undefined],
    ['no condition', undefined, 2, undefined],
    ['True about an older generation', 'True', 1, undefined],
    ['False about an older generation', 'False', 1, undefined],
    ['True without observedGeneration', 'True', undefined, true],
  ])('reports Applied %s as %s', (_name, status, observedGeneration, expected) => {
    const mw = newReportedWork();
    const conditions = (mw.status?.conditions ?? []).filter((c) => c.type !== 'Applied');
    if (status !== undefined) {
      conditions.push({
        type: 'Applied',
        status,
        reason: 'R',
        message: '',
        lastTransitionTime: '2026-01-05T10:03:00Z',
        ...(observedGeneration !== undefined && { observedGeneration }),
      });
    }
    mw.status!.conditions = conditions;
    const sut = decodeManifestWorkStatus(mw);
    expect(sut.reported.applied).toBe(expected);
    expect(sut.applied).toBe(expected === true);
  });

  it('treats feedback as synced when StatusFeedbackSynced is True even with no values', () => {
    const mw = withFeedback([]);
    expect(decodeManifestWorkStatus(mw)).toMatchObject({
      feedbackSynced: true,
      feedback: { moduleLoader: ZERO, devicePlugin: ZERO, dra: ZERO },
    });
  });

  it('reports failed conditions with their messages', () => {
    const mw = newReportedWork();
    const applied = mw.status?.conditions?.[0];
    const manifestApplied = moduleEntry(mw).conditions[0];
    if (applied === undefined || manifestApplied === undefined) throw new Error('fixture');
    Object.assign(applied, {
      status: 'False',
      reason: 'AppliedManifestWorkFailed',
      message: 'Failed to apply manifest work',
    });
    Object.assign(manifestApplied, {
      status: 'False',
      reason: 'AppliedManifestFailed',
      message: 'Failed to apply manifest: modules.kmm.sigs.x-k8s.io "mod-example" is forbidden',
    });
    expect(decodeManifestWorkStatus(mw)).toMatchObject({
      applied: false,
      problems: [
        'ManifestWork Applied=False (AppliedManifestWorkFailed): Failed to apply manifest work',
        'Module Applied=False (AppliedManifestFailed): Failed to apply manifest: modules.kmm.sigs.x-k8s.io "mod-example" is forbidden',
      ],
    });
  });

  it('reports a Degraded condition set by some agent', () => {
    const mw = newReportedWork();
    mw.status?.conditions?.push({
      type: 'Degraded',
      status: 'True',
      reason: 'ConditionRulesAggregated',
      message: 'some pods are not available',
      lastTransitionTime: '2026-01-05T10:03:00Z',
      observedGeneration: 2,
    });
    expect(decodeManifestWorkStatus(mw)).toMatchObject({
      degraded: true,
      problems: ['ManifestWork Degraded=True (ConditionRulesAggregated): some pods are not available'],
    });
  });

  // OCM FieldValue types; only whole non-negative numbers are counts.
  it.each<[string, FeedbackValue['fieldValue'], number | undefined, string[]]>([
    ['Integer', { type: 'Integer', integer: 4 }, 4, []],
    ['Integer zero', { type: 'Integer', integer: 0 }, 0, []],
    ['String digits', { type: 'String', string: '5' }, 5, []],
    ['JsonRaw number', { type: 'JsonRaw', jsonRaw: '7' }, 7, []],
    [
      'negative Integer',
      { type: 'Integer', integer: -1 },
      undefined,
      ['feedback moduleLoader.desiredNumber: -1 is not a non-negative integer'],
    ],
    [
      'String text',
      { type: 'String', string: 'many' },
      undefined,
      ['feedback moduleLoader.desiredNumber: String value "many" is not a count'],
    ],
    [
      'JsonRaw float',
      { type: 'JsonRaw', jsonRaw: '1.5' },
      undefined,
      ['feedback moduleLoader.desiredNumber: 1.5 is not a non-negative integer'],
    ],
    [
      'JsonRaw list',
      { type: 'JsonRaw', jsonRaw: '[1]' },
      undefined,
      ['feedback moduleLoader.desiredNumber: JsonRaw value "[1]" is not a count'],
    ],
    [
      'JsonRaw garbage',
      { type: 'JsonRaw', jsonRaw: '{' },
      undefined,
      ['feedback moduleLoader.desiredNumber: JsonRaw value "{" is not JSON'],
    ],
    [
      'Boolean',
      { type: 'Boolean', boolean: true },
      undefined,
      ['feedback moduleLoader.desiredNumber: Boolean value is not a count'],
    ],
    [
      'Integer without integer',
      { type: 'Integer' },
      undefined,
      ['feedback moduleLoader.desiredNumber: type Integer without the integer field'],
    ],
  ])('decodes a %s value', (_name, fieldValue, desired, problems) => {
    const summary = decodeManifestWorkStatus(withFeedback([{ name: 'moduleLoader.desiredNumber', fieldValue }]));
    expect(summary.feedback.moduleLoader.desired).toBe(desired);
    expect(summary.feedback.moduleLoader.available).toBe(0);
    expect(summary.problems).toEqual(problems);
  });

  it('reads device plugin and DRA counters', () => {
    const summary = decodeManifestWorkStatus(
      withFeedback([
        { name: 'devicePlugin.desiredNumber', fieldValue: { type: 'Integer', integer: 2 } },
        { name: 'devicePlugin.availableNumber', fieldValue: { type: 'Integer', integer: 1 } },
        { name: 'dra.nodesMatchingSelectorNumber', fieldValue: { type: 'Integer', integer: 9 } },
      ]),
    );
    expect(summary.feedback).toEqual({
      moduleLoader: ZERO,
      devicePlugin: { desired: 2, available: 1, nodesMatching: 0 },
      dra: { desired: 0, available: 0, nodesMatching: 9 },
    });
  });

  it.each<[string, Partial<ManifestCondition['resourceMeta']>, boolean]>([
    ['by kind', { resource: '' }, true],
    ['by resource when the kind is missing', { kind: undefined }, true],
    ['not when the name differs', { name: 'other' }, false],
    ['not when the namespace differs', { namespace: 'other' }, false],
    ['not when the group differs', { group: 'apps' }, false],
  ])('finds the Module entry %s', (_name, meta, found) => {
    const mw = newReportedWork();
    Object.assign(moduleEntry(mw).resourceMeta, meta);
    expect(decodeManifestWorkStatus(mw).feedback.moduleLoader.desired).toBe(found ? 3 : undefined);
  });
});
