import type { Condition, ManifestCondition, ManifestWorkStatus } from '@kmm-hub/api';
import { canonicalJson } from '@kmm-hub/manifestwork';
import type { StatusFeedback } from './status-feedback.js';
import { WORK_CONDITION, WORK_REASON } from './work-conditions.js';

export type ResourceMeta = ManifestCondition['resourceMeta'];

export type AvailableObservation =
  | { readonly status: 'True' }
  | { readonly status: 'False' }
  | {
      readonly status: 'Unknown';
      readonly reason: 'FetchingResourceFailed' | 'IncompleteResourceMeta';
      readonly message: string;
    };

/** What the agent knows of one manifest after an apply pass and a fetch of the object. */
export interface ManifestReport {
  readonly meta: ResourceMeta;
  readonly applied: { readonly ok: true } | { readonly ok: false; readonly message: string };
  readonly available: AvailableObservation;
  /** Set when the object was fetched; undefined when it could not be (no feedback condition then). */
  readonly feedback?: StatusFeedback;
  readonly hasFeedbackRules: boolean;
}

type NewCondition = Omit<Condition, 'lastTransitionTime'>;

/** metav1.Time: RFC 3339 in whole seconds. */
export function toMetaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A condition keeping the previous lastTransitionTime while its status and observedGeneration are unchanged (so a
 * new generation re-stamps it, as OCM removes and re-adds it); `moved` forces a new time.
 */
function stamp(previous: readonly Condition[] | undefined, next: NewCondition, now: string, moved = false): Condition {
  const old = previous?.find((c) => c.type === next.type);
  const keep =
    old !== undefined && !moved && old.status === next.status && old.observedGeneration === next.observedGeneration;
  return { ...next, lastTransitionTime: keep ? old.lastTransitionTime : now };
}

function findPrevious(previous: ManifestWorkStatus | undefined, meta: ResourceMeta): ManifestCondition | undefined {
  const manifests = previous?.resourceStatus?.manifests ?? [];
  const sameButOrdinal = (m: ManifestCondition) =>
    m.resourceMeta.group === meta.group &&
    m.resourceMeta.version === meta.version &&
    m.resourceMeta.kind === meta.kind &&
    m.resourceMeta.resource === meta.resource &&
    m.resourceMeta.namespace === meta.namespace &&
    m.resourceMeta.name === meta.name;
  const exact = manifests.find((m) => sameButOrdinal(m) && m.resourceMeta.ordinal === meta.ordinal);
  if (exact !== undefined) return exact;
  const loose = manifests.filter(sameButOrdinal);
  return loose.length === 1 ? loose[0] : undefined;
}

function manifestCondition(
  report: ManifestReport,
  generation: number | undefined,
  previous: ManifestCondition | undefined,
  now: string,
): ManifestCondition {
  const old = previous?.conditions;
  const conditions: Condition[] = [
    stamp(
      old,
      report.applied.ok
        ? {
            type: WORK_CONDITION.Applied,
            status: 'True',
            reason: WORK_REASON.AppliedManifestComplete,
            message: 'Apply manifest complete',
            observedGeneration: generation,
          }
        : {
            type: WORK_CONDITION.Applied,
            status: 'False',
            reason: WORK_REASON.AppliedManifestFailed,
            message: `Failed to apply manifest: ${report.applied.message}`,
            observedGeneration: generation,
          },
      now,
    ),
    stamp(old, availableCondition(report.available, generation), now),
  ];
  const entry: ManifestCondition = { resourceMeta: report.meta, conditions };
  if (report.feedback !== undefined) {
    const values = report.feedback.values;
    const changed = canonicalJson(values) !== canonicalJson(previous?.statusFeedback?.values ?? []);
    conditions.push(stamp(old, feedbackCondition(report, report.feedback, generation), now, changed));
    if (values.length > 0) entry.statusFeedback = { values };
  } else if (previous?.statusFeedback !== undefined) {
    // The object could not be fetched this time: keep the last values rather than report a false change.
    entry.statusFeedback = previous.statusFeedback;
    const synced = previous.conditions.find((c) => c.type === WORK_CONDITION.StatusFeedbackSynced);
    if (synced !== undefined) conditions.push(synced);
  }
  return entry;
}

function availableCondition(available: AvailableObservation, generation: number | undefined): NewCondition {
  const base = { type: WORK_CONDITION.Available, observedGeneration: generation };
  switch (available.status) {
    case 'True':
      return { ...base, status: 'True', reason: WORK_REASON.ResourceAvailable, message: 'Resource is available' };
    case 'False':
      return {
        ...base,
        status: 'False',
        reason: WORK_REASON.ResourceNotAvailable,
        message: 'Resource is not available',
      };
    case 'Unknown':
      return { ...base, status: 'Unknown', reason: available.reason, message: available.message };
  }
}

function feedbackCondition(
  report: ManifestReport,
  feedback: StatusFeedback,
  generation: number | undefined,
): NewCondition {
  const base = { type: WORK_CONDITION.StatusFeedbackSynced, observedGeneration: generation };
  if (feedback.errors.length > 0) {
    return {
      ...base,
      status: 'False',
      reason: WORK_REASON.StatusFeedbackSyncFailed,
      message: `Sync status feedback failed with errors: ${feedback.errors.join('; ')}`,
    };
  }
  return report.hasFeedbackRules
    ? { ...base, status: 'True', reason: WORK_REASON.StatusFeedbackSynced, message: '' }
    : { ...base, status: 'True', reason: WORK_REASON.NoStatusFeedbackSynced, message: '' };
}

/**
 * The whole status the agent writes for a work (open-cluster-management-io/api work/v1/types.go; Available as
 * open-cluster-management-io/ocm pkg/work/spoke/controllers/statuscontroller/availablestatus_controller.go): one entry
 * per spec manifest with Applied, Available and StatusFeedbackSynced, then the work-level Applied (True iff every
 * manifest applied) and Available (False if any manifest is missing, Unknown if any is unknown or none is known, else
 * True), each with the work's generation.
 */
export function buildWorkStatus(input: {
  readonly generation: number | undefined;
  readonly reports: readonly ManifestReport[];
  readonly previous: ManifestWorkStatus | undefined;
  readonly now: string;
}): ManifestWorkStatus {
  const { generation, reports, previous, now } = input;
  const manifests = reports.map((r) => manifestCondition(r, generation, findPrevious(previous, r.meta), now));
  const old = previous?.conditions;
  const conditions: Condition[] = [];
  if (reports.length > 0) {
    const failed = reports.filter((r) => !r.applied.ok).length;
    conditions.push(
      stamp(
        old,
        failed === 0
          ? {
              type: WORK_CONDITION.Applied,
              status: 'True',
              reason: WORK_REASON.AppliedManifestWorkComplete,
              message: 'Apply manifest work complete',
              observedGeneration: generation,
            }
          : {
              type: WORK_CONDITION.Applied,
              status: 'False',
              reason: WORK_REASON.AppliedManifestWorkFailed,
              message: `Failed to apply manifest work: ${failed} of ${reports.length} manifests failed`,
              observedGeneration: generation,
            },
        now,
      ),
    );
    const missing = reports.filter((r) => r.available.status === 'False').length;
    const unknown = reports.filter((r) => r.available.status === 'Unknown').length;
    const available: NewCondition =
      missing > 0
        ? {
            type: WORK_CONDITION.Available,
            status: 'False',
            reason: WORK_REASON.ResourcesNotAvailable,
            message: `${missing} of ${reports.length} resources are not available`,
            observedGeneration: generation,
          }
        : unknown > 0
          ? {
              type: WORK_CONDITION.Available,
              status: 'Unknown',
              reason: WORK_REASON.ResourcesStatusUnknown,
              message: `${unknown} of ${reports.length} resources have unknown status`,
              observedGeneration: generation,
            }
          : {
              type: WORK_CONDITION.Available,
              status: 'True',
              reason: WORK_REASON.ResourcesAvailable,
              message: 'All resources are available',
              observedGeneration: generation,
            };
    conditions.push(stamp(old, available, now));
  }
  return { conditions, resourceStatus: { manifests } };
}

/** The previous status plus `Deleting=True`, written once the agent starts removing what the work applied. */
export function withDeletingCondition(
  previous: ManifestWorkStatus | undefined,
  generation: number | undefined,
  now: string,
): ManifestWorkStatus {
  const conditions = (previous?.conditions ?? []).filter((c) => c.type !== WORK_CONDITION.Deleting);
  conditions.push(
    stamp(
      previous?.conditions,
      {
        type: WORK_CONDITION.Deleting,
        status: 'True',
        reason: WORK_REASON.WorkDeleting,
        message: 'Delete resources and AppliedManifestWork',
        observedGeneration: generation,
      },
      now,
    ),
  );
  return { ...previous, conditions };
}

/** Whether writing `next` would change anything (key order and absent-vs-undefined aside). */
export function isSameStatus(previous: ManifestWorkStatus | undefined, next: ManifestWorkStatus): boolean {
  return canonicalJson(previous ?? {}) === canonicalJson(next);
}
