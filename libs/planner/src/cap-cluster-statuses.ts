import { CLUSTER_DELIVERY_STATES, type ClusterDeliveryStatus } from '@kmm-hub/api';

/**
 * Room for status.clusters in one ManagedClusterModule. etcd refuses objects over 1.5 MiB; at about 400 bytes a
 * cluster, a fleet of ~3,500 clusters (RHACM's supported maximum) would pass that and every status write would
 * fail. 600 kB leaves the rest for the spec, conditions and managedFields.
 */
export const DEFAULT_MAX_CLUSTER_STATUS_BYTES = 600_000;

export interface CappedClusterStatuses {
  /** The entries kept, in their original order. */
  clusters: ClusterDeliveryStatus[];
  /** How many entries did not fit. */
  omitted: number;
}

/**
 * Keeps as many per-cluster entries as fit in maxBytes of JSON. Clusters that need attention (any state but
 * Ready) are kept before Ready ones, so what is left out is the least interesting; the counters and conditions
 * that summarizeStatus computes from the full list still cover every cluster.
 */
export function capClusterStatuses(
  clusters: readonly ClusterDeliveryStatus[],
  maxBytes: number = DEFAULT_MAX_CLUSTER_STATUS_BYTES,
): CappedClusterStatuses {
  // Each entry with its comma; the array's brackets take one more byte than the n - 1 commas need.
  const sizes = clusters.map((c) => Buffer.byteLength(JSON.stringify(c)) + 1);
  if (1 + sizes.reduce((a, b) => a + b, 0) <= maxBytes) return { clusters: [...clusters], omitted: 0 };
  const byPriority = clusters.map((c, i) => i).toSorted((a, b) => rank(clusters[a]!) - rank(clusters[b]!) || a - b);
  const kept = new Set<number>();
  let used = 1;
  for (const i of byPriority) {
    // Skip an entry that does not fit rather than stopping: a smaller one further down may still fit.
    if (used + sizes[i]! > maxBytes) continue;
    used += sizes[i]!;
    kept.add(i);
  }
  return { clusters: clusters.filter((_, i) => kept.has(i)), omitted: clusters.length - kept.size };
}

function rank(c: ClusterDeliveryStatus): number {
  return c.state === CLUSTER_DELIVERY_STATES.Ready ? 1 : 0;
}
