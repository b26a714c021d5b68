import {
  CLUSTER_DELIVERY_STATES,
  type ClusterDeliveryState,
  type ClusterDeliveryStatus,
  type ManagedClusterModuleStatus,
} from '@kmm-hub/api';

/**
 * The clusters now in `state` that the last written status did not show in it: the ones an Event should name.
 * A cluster that status left out to stay within its size limit counts as having been Ready (those are left out
 * first), so a large fleet does not announce the same Ready clusters on every write.
 */
export function clustersChangedTo(
  previous: ManagedClusterModuleStatus | undefined,
  clusters: readonly ClusterDeliveryStatus[],
  state: ClusterDeliveryState,
): ClusterDeliveryStatus[] {
  const before = new Map((previous?.clusters ?? []).map((c) => [c.name, c.state]));
  const unlisted = (previous?.clustersOmitted ?? 0) > 0 ? CLUSTER_DELIVERY_STATES.Ready : undefined;
  return clusters.filter((c) => c.state === state && (before.get(c.name) ?? unlisted) !== state);
}
