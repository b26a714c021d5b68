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
  /**
   * How often a cluster whose images are all settled is planned anyway. Its images are re-checked once per
   * IMAGE_CHECK_TTL_S each, and a moved tag wakes the pairs that use it, so this is only a safety net; planning every
   * pair once per TTL cost a plan per ManifestWork per minute on an idle fleet.
   */
  settledResyncS: number;
  /** A number in [0, 1) that stretches the settled resync by up to 10%, so pairs planned together spread out. */
  jitter?: number;
}

const RESYNC_JITTER = 0.1;

/** When to plan a cluster again; a settled image job or a landed image check wakes it sooner. */
export function clusterRecheckAfterMs(status: ClusterDeliveryStatus, intervals: RecheckIntervals): number {
  const waiting = status.kernels?.some(
    (k) => k.state !== KERNEL_IMAGE_STATES.Ready && k.state !== KERNEL_IMAGE_STATES.Unmapped,
  );
  if (waiting) return intervals.recheckIntervalS * 1000;
  return Math.round(intervals.settledResyncS * 1000 * (1 + RESYNC_JITTER * (intervals.jitter ?? 0)));
}
