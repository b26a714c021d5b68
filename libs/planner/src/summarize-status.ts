import {
  CLUSTER_DELIVERY_STATES,
  MANAGED_CLUSTER_MODULE_CONDITION_TYPES as TYPES,
  type ClusterDeliveryStatus,
  type Condition,
  type ManagedClusterModule,
  type ManagedClusterModuleStatus,
  type ManifestWork,
} from '@kmm-hub/api';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';

export interface StatusInput {
  mcm: ManagedClusterModule;
  /** Spec problems; when present nothing was planned and the status says why. */
  invalid?: { reason: string; message: string };
  /** Per selected cluster, in selection order. */
  clusters: readonly ClusterDeliveryStatus[];
  /** Our ManifestWorks by cluster, as the hub sees them. */
  manifestWorks: ReadonlyMap<string, ManifestWork>;
  now: Date;
}

const MAX_MESSAGE = 1024;

function condition(
  previous: readonly Condition[],
  type: string,
  isTrue: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
  now: Date,
): Condition {
  const status = isTrue ? 'True' : 'False';
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

/**
 * The MCM status from per-cluster results: upstream's counters, our per-cluster detail, and Valid / Ready /
 * Progressing / Degraded conditions. Pure; written separately and only when it differs from the live status.
 */
export function summarizeStatus(input: StatusInput): ManagedClusterModuleStatus {
  const { mcm, clusters, manifestWorks, now, invalid } = input;
  const generation = mcm.metadata.generation;
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
  const count = (state: string) => clusters.filter((c) => c.state === state).length;
  const ready = count(CLUSTER_DELIVERY_STATES.Ready);
  const degradedClusters = clusters.filter((c) => c.state === CLUSTER_DELIVERY_STATES.Degraded);
  const notReady = clusters.filter((c) => c.state !== CLUSTER_DELIVERY_STATES.Ready);
  const allReady = clusters.length > 0 && ready === clusters.length && !invalid;

  const conditions: Condition[] = [
    condition(
      previous,
      TYPES.Valid,
      !invalid,
      invalid?.reason ?? 'Valid',
      invalid?.message ?? 'the spec passed validation',
      generation,
      now,
    ),
    condition(
      previous,
      TYPES.Ready,
      allReady,
      allReady ? 'AllClustersReady' : clusters.length === 0 ? 'NoClustersSelected' : 'ClustersNotReady',
      allReady
        ? `${ready} of ${clusters.length} clusters ready`
        : clusters.length === 0
          ? 'the selectors match no ManagedCluster'
          : `${ready} of ${clusters.length} clusters ready; not ready: ${notReady.map((c) => `${c.name} (${c.reason ?? c.state})`).join(', ')}`,
      generation,
      now,
    ),
    condition(
      previous,
      TYPES.Progressing,
      !invalid && notReady.length > degradedClusters.length,
      notReady.length > degradedClusters.length ? 'Delivering' : 'Settled',
      `${notReady.length - degradedClusters.length} clusters progressing`,
      generation,
      now,
    ),
    condition(
      previous,
      TYPES.Degraded,
      degradedClusters.length > 0,
      degradedClusters.length > 0 ? (degradedClusters[0]!.reason ?? 'ClusterDegraded') : 'NotDegraded',
      degradedClusters.length > 0
        ? degradedClusters.map((c) => `${c.name}: ${c.message ?? c.reason ?? ''}`).join('; ')
        : 'no cluster is degraded',
      generation,
      now,
    ),
  ];

  return {
    numberSelected: clusters.length,
    numberDesired: manifestWorks.size,
    numberApplied: applied,
    numberAvailable: available,
    numberDegraded: degraded,
    ...(generation !== undefined && { observedGeneration: generation }),
    conditions,
    clusters: [...clusters],
  };
}
