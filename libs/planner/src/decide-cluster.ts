import {
  ANNOTATIONS,
  KERNEL_IMAGE_STATES,
  type ClusterDeliveryStatus,
  type ManagedCluster,
  type ManagedClusterModule,
  type ManifestWork,
  type PlacementDecision,
} from '@kmm-hub/api';
import type { ClusterDeliveryPlan } from './plan-cluster-delivery.js';
import { selectClusters } from './select-clusters.js';

/** Whether the MCM selects this cluster now (an absent cluster is not selected). */
export function isClusterSelected(
  mcm: ManagedClusterModule,
  cluster: ManagedCluster | undefined,
  placementDecisions: readonly PlacementDecision[],
): boolean {
  if (!cluster) return false;
  const selection = selectClusters(mcm, [cluster], placementDecisions);
  return selection.ok && selection.selection.selected.length === 1;
}

/**
 * The ManifestWork to write for a planned cluster: the desired one when the live object does not already carry its
 * spec hash (server-side applies happen only when the rendered content changed), else nothing.
 */
export function manifestWorkToWrite(
  plan: Pick<ClusterDeliveryPlan, 'desired' | 'specHash'>,
  current: ManifestWork | undefined,
): ManifestWork | undefined {
  if (!plan.desired) return undefined;
  return current?.metadata.annotations?.[ANNOTATIONS.specHash] === plan.specHash ? undefined : plan.desired;
}

export interface RecheckIntervals {
  /** How soon images that are missing, failing or on their way are looked at again. */
  recheckIntervalS: number;
  /** How long a registry answer is cached: published tags are looked at again after it, so a moved tag is re-pinned. */
  imageCheckTtlS: number;
}

/** When to plan a cluster again; a settled image job or a landed image check wakes it sooner. */
export function clusterRecheckAfterMs(status: ClusterDeliveryStatus, intervals: RecheckIntervals): number {
  const waiting = status.kernels?.some(
    (k) => k.state !== KERNEL_IMAGE_STATES.Ready && k.state !== KERNEL_IMAGE_STATES.Unmapped,
  );
  return (waiting ? intervals.recheckIntervalS : intervals.imageCheckTtlS) * 1000;
}
