import {
  CLUSTER_DELIVERY_STATES,
  KERNEL_IMAGE_STATES,
  MANAGED_CLUSTER_MODULE_CONDITION_TYPES as TYPES,
  type ClusterDeliveryStatus,
  type Condition,
  type ManagedClusterModule,
  type ManagedClusterModuleStatus,
  type ManifestWork,
} from '@kmm-hub/api';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';
import { capClusterStatuses } from './cap-cluster-statuses.js';
import { CLUSTER_DELIVERY_REASONS as REASONS } from './cluster-delivery-reasons.js';
import { CONDITION_REASONS } from './condition-reasons.js';
import type { RolloutPlan } from './plan-rollout.js';

/** What the hub knows about the spec of the MCM's current generation. */
export type SpecValidity =
  | { state: 'Valid' }
  | { state: 'Invalid'; reason: string; message: string }
  /** Not checked yet for this generation (a new leader, or a spec change the hub has not reached). */
  | { state: 'Unchecked' };

/** A ManifestWork of an MCM being deleted that still exists. */
export interface DeletingManifestWork {
  cluster: string;
  /** The ManifestWork's name (the MCM's). */
  name: string;
  /** Its finalizers: what holds it once deletion was requested (the work agent's cleanup, usually). */
  finalizers: readonly string[];
  /** Its deletionTimestamp is set. */
  deletionRequested: boolean;
}

export interface StatusInput {
  mcm: ManagedClusterModule;
  validity: SpecValidity;
  /** Per selected cluster, in selection order. */
  clusters: readonly ClusterDeliveryStatus[];
  /** Our ManifestWorks by cluster, as the hub sees them. */
  manifestWorks: ReadonlyMap<string, ManifestWork>;
  /** Set while the MCM is being deleted: the ManifestWorks not gone yet. */
  deleting?: readonly DeletingManifestWork[];
  now: Date;
  /** Room for status.clusters (default DEFAULT_MAX_CLUSTER_STATUS_BYTES); see capClusterStatuses. */
  maxClusterBytes?: number;
  /**
   * Clusters whose entry was planned from an older generation of the spec (the new one is being planned): they are
   * listed as they were, but none of the conditions, which carry the current observedGeneration, counts them known.
   */
  stale?: ReadonlySet<string>;
  /** The rollout plan of spec.rollout when it is progressive: status.rollout, each cluster's revision, the halt. */
  rollout?: Pick<RolloutPlan, 'clusters' | 'status' | 'halted'>;
}

type ConditionStatus = Condition['status'];

const R = CONDITION_REASONS;

const MAX_MESSAGE = 1024;

function condition(
  previous: readonly Condition[],
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  generation: number | undefined,
  now: Date,
): Condition {
  const old = previous.find((c) => c.type === type);
  // lastTransitionTime moves only when status flips, as metav1.Condition consumers expect.
  const lastTransitionTime =
    old && old.status === status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    type,
    status,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    lastTransitionTime,
    ...(generation !== undefined && { observedGeneration: generation }),
  };
}

/** One cluster's answer to one condition: True, False, or Unknown, with the words for the message. */
interface Finding {
  status: ConditionStatus;
  /** Why it is not True, naming the cluster (and kernel and image where there is one). */
  detail?: string;
}

const isUnplanned = (c: ClusterDeliveryStatus) => c.reason === REASONS.NotPlannedYet;
const kernelText = (c: ClusterDeliveryStatus, k: NonNullable<ClusterDeliveryStatus['kernels']>[number]) =>
  `${c.name}/${k.kernel} ${k.state}${k.image !== undefined ? ` ${k.image}` : ''}${k.lastError ? ` (${k.lastError})` : ''}`;

/**
 * Does the plan write a ManifestWork for this cluster's current spec (so that only the work agent's report is
 * missing when it has not reported)? False for clusters that get nothing until something changes.
 */
function hasCurrentManifestWork(c: ClusterDeliveryStatus): boolean {
  switch (c.state) {
    case CLUSTER_DELIVERY_STATES.Progressing:
    case CLUSTER_DELIVERY_STATES.Ready:
      return true;
    case CLUSTER_DELIVERY_STATES.Degraded:
      return (
        c.reason === REASONS.ApplyFailed ||
        c.reason === REASONS.SomeImagesFailed ||
        c.reason === REASONS.ManifestWorkDegraded
      );
    default:
      return false;
  }
}

/** Every targeted kernel of the cluster has its image. */
function imagesOf(c: ClusterDeliveryStatus): Finding[] {
  if (isUnplanned(c)) return [{ status: 'Unknown', detail: `${c.name} not planned yet` }];
  if (c.state === CLUSTER_DELIVERY_STATES.NoKernels)
    return [{ status: 'Unknown', detail: `${c.name} reports no kernels` }];
  return (c.kernels ?? []).flatMap((k): Finding[] => {
    switch (k.state) {
      case KERNEL_IMAGE_STATES.Ready:
      case KERNEL_IMAGE_STATES.Unmapped:
        return [];
      case KERNEL_IMAGE_STATES.Failed:
      case KERNEL_IMAGE_STATES.Missing:
        return [{ status: 'False', detail: kernelText(c, k) }];
      default:
        // Pending (not checked yet), Building, Signing: the outcome is not known yet.
        return [{ status: 'Unknown', detail: kernelText(c, k) }];
    }
  });
}

/** The work agent applied the ManifestWork the current spec wants on the cluster. */
function appliedOf(c: ClusterDeliveryStatus): Finding {
  if (isUnplanned(c)) return { status: 'Unknown', detail: `${c.name} not planned yet` };
  if (c.state === CLUSTER_DELIVERY_STATES.NoKernels)
    return { status: 'Unknown', detail: `${c.name} reports no kernels` };
  const applied = c.manifestWork?.applied;
  if (applied === true) return { status: 'True' };
  if (applied === false)
    return { status: 'False', detail: `${c.name}: ${c.message ?? 'the work agent reports Applied=False'}` };
  if (hasCurrentManifestWork(c))
    return { status: 'Unknown', detail: `${c.name} (the work agent has not reported yet)` };
  if (c.reason === REASONS.ImagesNotReady) return { status: 'Unknown', detail: `${c.name} (waiting for images)` };
  return { status: 'False', detail: `${c.name}: ${c.message ?? c.reason ?? 'nothing to apply'}` };
}

/** The work agent reports the Module of the current spec available on the cluster. */
function availableOf(c: ClusterDeliveryStatus): Finding {
  const available = c.manifestWork?.available;
  if (available === true && appliedOf(c).status === 'True') return { status: 'True' };
  if (available === false)
    return { status: 'False', detail: `${c.name}: the work agent reports the Module not available` };
  const applied = appliedOf(c);
  if (applied.status === 'True')
    return { status: 'Unknown', detail: `${c.name} (the work agent has not reported availability yet)` };
  return applied;
}

/** Something failed on the cluster: an image, the render, the apply, or the work agent reports Degraded. */
function degradedOf(c: ClusterDeliveryStatus): Finding {
  if (c.state === CLUSTER_DELIVERY_STATES.Degraded) {
    return { status: 'True', detail: `${c.name}: ${c.message ?? c.reason ?? ''}` };
  }
  if (isUnplanned(c)) return { status: 'Unknown', detail: `${c.name} not planned yet` };
  // A written ManifestWork whose apply the agent has not reported may have failed: that is not known yet.
  if (hasCurrentManifestWork(c) && c.manifestWork?.applied === undefined) {
    return { status: 'Unknown', detail: `${c.name} (the work agent has not reported yet)` };
  }
  return { status: 'False' };
}

const list = (items: readonly string[]) =>
  items.length > 5 ? `${items.slice(0, 5).join('; ')}; and ${items.length - 5} more` : items.join('; ');

/**
 * Folds per-cluster findings into a condition. `bad` is the status that means trouble (False for ImagesReady,
 * Applied, Available; True for Degraded): one known bad finding decides; otherwise any unknown makes the condition
 * Unknown; only when every finding is known and good is it the good status.
 */
function fold(
  findings: readonly Finding[],
  bad: 'True' | 'False',
  reasons: { bad: string; good: string },
  goodMessage: string,
  badPrefix: string,
): { status: ConditionStatus; reason: string; message: string } {
  const bads = findings.filter((f) => f.status === bad).map((f) => f.detail ?? '');
  const unknowns = findings.filter((f) => f.status === 'Unknown').map((f) => f.detail ?? '');
  const notKnown = unknowns.length > 0 ? `not known yet: ${list(unknowns)}` : '';
  if (bads.length > 0) {
    return {
      status: bad,
      reason: reasons.bad,
      message: [`${badPrefix}${list(bads)}`, notKnown].filter(Boolean).join('; '),
    };
  }
  if (unknowns.length > 0) return { status: 'Unknown', reason: R.NotKnownYet, message: notKnown };
  return { status: bad === 'True' ? 'False' : 'True', reason: reasons.good, message: goodMessage };
}

/**
 * The MCM status from per-cluster results: upstream's counters, our per-cluster detail, and the Valid,
 * ImagesReady, Applied, Available and Degraded conditions. A condition is True (False for Degraded) only when every
 * input it depends on is known; one known failure makes it False (True for Degraded); otherwise it is Unknown, with
 * the clusters, kernels and images not known yet in its message. Pure; written separately and only when it differs
 * from the live status.
 */
export function summarizeStatus(input: StatusInput): ManagedClusterModuleStatus {
  const { mcm, clusters, manifestWorks, now, validity, deleting, stale } = input;
  const generation = mcm.metadata.generation;
  const isStale = (c: ClusterDeliveryStatus) => stale?.has(c.name) === true;
  const staleFinding = (c: ClusterDeliveryStatus): Finding => ({
    status: 'Unknown',
    detail: `${c.name} not planned for generation ${generation ?? '?'} yet`,
  });
  const judge = (of: (c: ClusterDeliveryStatus) => Finding) => (c: ClusterDeliveryStatus) =>
    isStale(c) ? staleFinding(c) : of(c);
  const previous = mcm.status?.conditions ?? [];
  let applied = 0;
  let available = 0;
  let degraded = 0;
  for (const mw of manifestWorks.values()) {
    const s = decodeManifestWorkStatus(mw);
    if (s.applied) applied++;
    if (s.available) available++;
    if (s.degraded) degraded++;
  }
  const make = (type: string, c: { status: ConditionStatus; reason: string; message: string }) =>
    condition(previous, type, c.status, c.reason, c.message, generation, now);

  const valid = make(
    TYPES.Valid,
    validity.state === 'Valid'
      ? { status: 'True', reason: R.Valid, message: 'the spec passed validation' }
      : validity.state === 'Invalid'
        ? { status: 'False', reason: validity.reason, message: validity.message }
        : deleting !== undefined
          ? {
              status: 'Unknown',
              reason: R.Deleting,
              message: 'not evaluated: the ManagedClusterModule is being deleted',
            }
          : { status: 'Unknown', reason: R.NotValidatedYet, message: 'the hub has not checked this generation yet' },
  );

  let rest: Record<'images' | 'applied' | 'available' | 'degraded', Parameters<typeof make>[1]>;
  let listedClusters: readonly ClusterDeliveryStatus[] = clusters;
  if (deleting !== undefined) {
    const hold = (d: DeletingManifestWork) =>
      !d.deletionRequested
        ? 'deletion not requested yet'
        : d.finalizers.length > 0
          ? `held by finalizers ${d.finalizers.join(', ')}`
          : 'being removed';
    const holding = deleting.map((d) => `${d.cluster} (${hold(d)})`);
    const message =
      deleting.length > 0
        ? `the ManagedClusterModule is being deleted; waiting for the ManifestWorks of ${deleting.length} clusters to go: ${list(holding)}`
        : 'the ManagedClusterModule is being deleted; every ManifestWork is gone';
    const notEvaluated = {
      status: 'Unknown' as const,
      reason: R.Deleting,
      message: 'not evaluated: the ManagedClusterModule is being deleted',
    };
    rest = {
      images: notEvaluated,
      applied: { status: 'False', reason: R.Deleting, message },
      available: { status: 'False', reason: R.Deleting, message },
      degraded: notEvaluated,
    };
    listedClusters = deleting.map((d) => ({
      name: d.cluster,
      state: CLUSTER_DELIVERY_STATES.Progressing,
      reason: REASONS.Deleting,
      message: `ManifestWork ${d.cluster}/${d.name} is being deleted: ${hold(d)}`,
    }));
  } else if (validity.state !== 'Valid') {
    // Nothing is planned for an invalid or unchecked spec: what the clusters have is not this generation's doing.
    const why =
      validity.state === 'Invalid'
        ? {
            status: 'Unknown' as const,
            reason: R.InvalidSpec,
            message:
              'not evaluated: the spec is invalid (see Valid); the ManifestWorks already applied are kept unchanged',
          }
        : {
            status: 'Unknown' as const,
            reason: R.NotValidatedYet,
            message: 'not evaluated: the hub has not checked this generation yet',
          };
    rest = { images: why, applied: why, available: why, degraded: why };
  } else if (clusters.length === 0) {
    const none = {
      status: 'False' as const,
      reason: R.NoClustersSelected,
      message: 'the selectors match no ManagedCluster',
    };
    rest = {
      images: none,
      applied: none,
      available: none,
      degraded: { status: 'False', reason: R.NotDegraded, message: 'no cluster is selected' },
    };
  } else {
    const degradedFirst = clusters.find((c) => c.state === CLUSTER_DELIVERY_STATES.Degraded);
    const halted = input.rollout?.halted;
    rest = {
      images: fold(
        clusters.flatMap((c) => (isStale(c) ? [staleFinding(c)] : imagesOf(c))),
        'False',
        { bad: R.ImagesNotReady, good: R.AllImagesReady },
        'every targeted kernel has its image, pinned to a digest',
        'kernels without a ready image: ',
      ),
      applied: fold(
        clusters.map(judge(appliedOf)),
        'False',
        { bad: R.NotApplied, good: R.AllApplied },
        `applied on ${clusters.length} clusters`,
        'not applied on ',
      ),
      available: fold(
        clusters.map(judge(availableOf)),
        'False',
        { bad: R.NotAvailable, good: R.AllAvailable },
        `available on ${clusters.length} clusters`,
        'not available on ',
      ),
      degraded: halted
        ? { status: 'True', reason: R.RolloutHalted, message: halted.message }
        : fold(
            clusters.map(judge(degradedOf)),
            'True',
            { bad: degradedFirst?.reason ?? R.ClusterDegraded, good: R.NotDegraded },
            'no cluster is degraded',
            '',
          ),
    };
    const rolloutOf = new Map(input.rollout?.clusters.map((c) => [c.name, c]));
    if (rolloutOf.size > 0) {
      listedClusters = clusters.map((c) => {
        const planned = rolloutOf.get(c.name);
        return planned ? { ...c, revision: planned.revision, rollout: planned.state } : c;
      });
    }
  }

  const conditions: Condition[] = [
    valid,
    make(TYPES.ImagesReady, rest.images),
    make(TYPES.Applied, rest.applied),
    make(TYPES.Available, rest.available),
    make(TYPES.Degraded, rest.degraded),
  ];

  const listed = capClusterStatuses(listedClusters, input.maxClusterBytes);
  return {
    numberSelected: clusters.length,
    numberDesired: deleting !== undefined ? 0 : manifestWorks.size,
    numberApplied: applied,
    numberAvailable: available,
    numberDegraded: degraded,
    ...(generation !== undefined && { observedGeneration: generation }),
    conditions,
    clusters: listed.clusters,
    ...(listed.omitted > 0 && { clustersOmitted: listed.omitted }),
    ...(input.rollout?.status && { rollout: input.rollout.status }),
  };
}
