import { describe, expect, it } from 'vitest';
import { checkLabelKey, checkLabelValue } from './kubernetes-names.js';
import { newManagedClusterModule } from './object-factories.js';
import {
  parseCountOrPercent,
  parseRolloutDuration,
  resolveCountOrPercent,
  type RolloutStrategy,
} from './rollout-values.js';
import { validateManagedClusterModule } from './validate-managed-cluster-module.js';

const R = 'spec.rollout';

function validate(rollout: unknown) {
  return validateManagedClusterModule(newManagedClusterModule({ spec: { rollout: rollout as RolloutStrategy } }));
}

describe('findRolloutIssues', () => {
  it.each<[string, unknown]>([
    ['type All alone', { type: 'All' }],
    ['no type (All by default)', {}],
    ['paused', { type: 'Progressive', paused: true }],
    ['Progressive with a count', { type: 'Progressive', progressive: { maxConcurrency: 2 } }],
    ['Progressive with a count as text', { type: 'Progressive', progressive: { maxConcurrency: '2' } }],
    ['Progressive with a percentage', { type: 'Progressive', progressive: { maxConcurrency: '25%' } }],
    [
      'Progressive with every setting',
      {
        type: 'Progressive',
        groupLabel: 'example.com/ring',
        progressive: {
          maxConcurrency: '100%',
          minSuccessTime: '1h30m',
          progressDeadline: '2h',
          maxFailures: '10%',
          mandatoryDecisionGroups: [{ groupName: 'canary' }],
        },
      },
    ],
    [
      'ProgressivePerGroup with groups in order',
      {
        type: 'ProgressivePerGroup',
        groupLabel: 'ring',
        progressivePerGroup: {
          mandatoryDecisionGroups: [{ groupName: 'canary' }, { groupName: 'early' }],
          progressDeadline: 'None',
          maxFailures: 0,
          minSuccessTime: '0',
        },
      },
    ],
  ])('accepts %s', (_, rollout) => {
    expect(validate(rollout)).toEqual({ ok: true });
  });

  it.each<[string, unknown, string, string]>([
    [
      'an unknown type',
      { type: 'Canary' },
      `${R}.type`,
      'must be one of All, Progressive, ProgressivePerGroup, found "Canary"',
    ],
    [
      'progressive with type All',
      { type: 'All', progressive: {} },
      `${R}.progressive`,
      'may only be set when type is Progressive, found All',
    ],
    [
      'progressivePerGroup with type Progressive',
      { type: 'Progressive', progressivePerGroup: {} },
      `${R}.progressivePerGroup`,
      'may only be set when type is ProgressivePerGroup, found Progressive',
    ],
    [
      'ProgressivePerGroup without groupLabel',
      { type: 'ProgressivePerGroup' },
      `${R}.groupLabel`,
      'required when type is ProgressivePerGroup',
    ],
    [
      'mandatory groups without groupLabel',
      { type: 'Progressive', progressive: { mandatoryDecisionGroups: [{ groupName: 'canary' }] } },
      `${R}.groupLabel`,
      `required when ${R}.progressive.mandatoryDecisionGroups is set: it names the cluster label whose values are the groups`,
    ],
    [
      'a groupLabel that is no label key',
      { type: 'ProgressivePerGroup', groupLabel: 'a b' },
      `${R}.groupLabel`,
      `"a b" is not a label key: ${checkLabelKey('a b').join('; ')}`,
    ],
    [
      'maxConcurrency 0',
      { type: 'Progressive', progressive: { maxConcurrency: 0 } },
      `${R}.progressive.maxConcurrency`,
      'must be a number of clusters (1 or more) or a percentage from 1% to 100%, found 0',
    ],
    [
      'maxConcurrency 0%',
      { type: 'Progressive', progressive: { maxConcurrency: '0%' } },
      `${R}.progressive.maxConcurrency`,
      'must be a number of clusters (1 or more) or a percentage from 1% to 100%, found "0%"',
    ],
    [
      'maxConcurrency above 100%',
      { type: 'Progressive', progressive: { maxConcurrency: '150%' } },
      `${R}.progressive.maxConcurrency`,
      'must be a number of clusters (1 or more) or a percentage from 1% to 100%, found "150%"',
    ],
    [
      'maxConcurrency negative',
      { type: 'Progressive', progressive: { maxConcurrency: -1 } },
      `${R}.progressive.maxConcurrency`,
      'must be a number of clusters (1 or more) or a percentage from 1% to 100%, found -1',
    ],
    [
      'maxConcurrency as a word',
      { type: 'Progressive', progressive: { maxConcurrency: 'half' } },
      `${R}.progressive.maxConcurrency`,
      'must be a number of clusters (1 or more) or a percentage from 1% to 100%, found "half"',
    ],
    [
      'minSuccessTime with a unit Go knows but OCM does not',
      { type: 'Progressive', progressive: { minSuccessTime: '500ms' } },
      `${R}.progressive.minSuccessTime`,
      'must be 0 or a duration in whole hours, minutes and seconds (90s, 1h30m), found "500ms"',
    ],
    [
      'minSuccessTime without a unit',
      { type: 'ProgressivePerGroup', groupLabel: 'ring', progressivePerGroup: { minSuccessTime: '30' } },
      `${R}.progressivePerGroup.minSuccessTime`,
      'must be 0 or a duration in whole hours, minutes and seconds (90s, 1h30m), found "30"',
    ],
    [
      'progressDeadline 0',
      { type: 'Progressive', progressive: { progressDeadline: '0' } },
      `${R}.progressive.progressDeadline`,
      'must be None or a duration in whole hours, minutes and seconds (90s, 1h30m), found "0"',
    ],
    [
      'progressDeadline in days',
      { type: 'Progressive', progressive: { progressDeadline: '1d' } },
      `${R}.progressive.progressDeadline`,
      'must be None or a duration in whole hours, minutes and seconds (90s, 1h30m), found "1d"',
    ],
    [
      'progressDeadline not longer than minSuccessTime',
      { type: 'Progressive', progressive: { minSuccessTime: '10m', progressDeadline: '600s' } },
      `${R}.progressive.progressDeadline`,
      'must be longer than minSuccessTime ("10m"), found "600s": a cluster must be Available for minSuccessTime before its deadline',
    ],
    [
      'maxFailures above 100%',
      { type: 'Progressive', progressive: { maxFailures: '101%' } },
      `${R}.progressive.maxFailures`,
      'must be a number of clusters (0 or more) or a percentage from 0% to 100%, found "101%"',
    ],
    [
      'maxFailures negative',
      { type: 'ProgressivePerGroup', groupLabel: 'ring', progressivePerGroup: { maxFailures: -2 } },
      `${R}.progressivePerGroup.maxFailures`,
      'must be a number of clusters (0 or more) or a percentage from 0% to 100%, found -2',
    ],
    [
      'a mandatory group by index',
      {
        type: 'ProgressivePerGroup',
        groupLabel: 'ring',
        progressivePerGroup: { mandatoryDecisionGroups: [{ groupName: 'canary', groupIndex: 0 }] },
      },
      `${R}.progressivePerGroup.mandatoryDecisionGroups[0].groupIndex`,
      'is not supported, found 0: groups are values of rollout.groupLabel, name them with groupName',
    ],
    [
      'a mandatory group without name',
      { type: 'ProgressivePerGroup', groupLabel: 'ring', progressivePerGroup: { mandatoryDecisionGroups: [{}] } },
      `${R}.progressivePerGroup.mandatoryDecisionGroups[0].groupName`,
      'required: a value of rollout.groupLabel',
    ],
    [
      'a mandatory group that is no label value',
      {
        type: 'ProgressivePerGroup',
        groupLabel: 'ring',
        progressivePerGroup: { mandatoryDecisionGroups: [{ groupName: 'can ary' }] },
      },
      `${R}.progressivePerGroup.mandatoryDecisionGroups[0].groupName`,
      `"can ary" is not a label value: ${checkLabelValue('can ary').join('; ')}`,
    ],
    [
      'a mandatory group twice',
      {
        type: 'ProgressivePerGroup',
        groupLabel: 'ring',
        progressivePerGroup: { mandatoryDecisionGroups: [{ groupName: 'canary' }, { groupName: 'canary' }] },
      },
      `${R}.progressivePerGroup.mandatoryDecisionGroups[1].groupName`,
      'duplicate group "canary"',
    ],
  ])('refuses %s, naming the field, the rule and the value', (_, rollout, path, message) => {
    expect(validate(rollout)).toEqual({ ok: false, issues: [{ path, message }] });
  });
});

describe('parseRolloutDuration', () => {
  it.each<[string, number | undefined]>([
    ['0', 0],
    ['0s', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2h0m5s', 7_205_000],
    ['', undefined],
    ['1.5h', undefined],
    ['-5s', undefined],
    ['5', undefined],
    ['None', undefined],
  ])('reads %j as %j ms', (text, ms) => {
    expect(parseRolloutDuration(text)).toBe(ms);
  });
});

describe('parseCountOrPercent and resolveCountOrPercent', () => {
  it.each<[number | string, number, number | undefined]>([
    [3, 10, 3],
    ['3', 10, 3],
    ['25%', 4, 1],
    ['30%', 4, 1],
    ['50%', 5, 2],
    ['100%', 7, 7],
    ['0%', 7, 0],
    [0, 7, 0],
    [1.5, 7, undefined],
    [-1, 7, undefined],
    ['101%', 7, undefined],
    ['5 %', 7, undefined],
  ])('resolves %j of %i clusters to %j', (value, total, expected) => {
    const parsed = parseCountOrPercent(value);
    expect(parsed && resolveCountOrPercent(parsed, total)).toBe(expected);
  });
});
