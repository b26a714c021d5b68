// The value formats of spec.rollout, shaped like Open Cluster Management's RolloutConfig
// (open-cluster-management-io/api cluster/v1alpha1/types_rolloutstrategy.go): durations of whole hours, minutes
// and seconds, `None` for no deadline, and int-or-string counts that are a number or a percentage.
import type { ManagedClusterModuleSpec, ManagedClusterModuleStatus } from './types.js';

export type RolloutStrategy = NonNullable<ManagedClusterModuleSpec['rollout']>;
export type RolloutType = NonNullable<RolloutStrategy['type']>;
export type RolloutConfig = NonNullable<RolloutStrategy['progressivePerGroup']>;
export type RolloutStatus = NonNullable<ManagedClusterModuleStatus['rollout']>;
export type RolloutClusterStatus = NonNullable<RolloutStatus['clusters']>[number];

export const ROLLOUT_TYPES = ['All', 'Progressive', 'ProgressivePerGroup'] as const satisfies readonly RolloutType[];

const DURATION = /^(0|([0-9]+[hms])+)$/;
const DURATION_PART = /([0-9]+)([hms])/g;
const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
const COUNT_OR_PERCENT = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/** Milliseconds of `90s`, `1h30m` or `0`; undefined when the text is not such a duration. */
export function parseRolloutDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * UNIT_MS[unit as 'h' | 'm' | 's'];
  return ms;
}

/** A count as the text of an int-or-string: `3`, `"3"` or `"25%"`; undefined when it is neither. */
export type CountOrPercent = { count: number } | { percent: number };

export function parseCountOrPercent(value: number | string): CountOrPercent | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? { count: value } : undefined;
  if (!COUNT_OR_PERCENT.test(value)) return undefined;
  return value.endsWith('%') ? { percent: Number(value.slice(0, -1)) } : { count: Number(value) };
}

/** The number of clusters a count or a percentage of `total` stands for, rounded down. */
export function resolveCountOrPercent(value: CountOrPercent, total: number): number {
  return 'count' in value ? value.count : Math.floor((total * value.percent) / 100);
}
