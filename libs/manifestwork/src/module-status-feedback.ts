import type { FeedbackRule } from '@kmm-hub/api';

/** The Module status sections whose DaemonSet counters are fed back to the hub. */
export const MODULE_WORKLOADS = ['devicePlugin', 'dra', 'moduleLoader'] as const;
export type ModuleWorkload = (typeof MODULE_WORKLOADS)[number];

/** Module status counter field names (`status.<workload>.<counter>`), int32 and `omitempty` upstream. */
export const MODULE_COUNTERS = ['availableNumber', 'desiredNumber', 'nodesMatchingSelectorNumber'] as const;
export type ModuleCounter = (typeof MODULE_COUNTERS)[number];

/**
 * The feedback rule upstream KMM puts on the Module manifest (`internal/manifestwork/manifestwork.go`
 * `moduleStatusJSONPaths`): nine JSONPaths, each named like its path without the leading `.status.`, in this order.
 * The work agent reports them as `statusFeedback.values[] {name, fieldValue}`.
 */
export function moduleStatusFeedbackRule(): FeedbackRule {
  return {
    type: 'JSONPaths',
    jsonPaths: MODULE_WORKLOADS.flatMap((workload) =>
      MODULE_COUNTERS.map((counter) => ({ name: `${workload}.${counter}`, path: `.status.${workload}.${counter}` })),
    ),
  };
}
