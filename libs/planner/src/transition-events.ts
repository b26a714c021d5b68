import {
  CLUSTER_DELIVERY_STATES,
  type ClusterDeliveryState,
  type ClusterDeliveryStatus,
  type ManagedClusterModuleStatus,
} from '@kmm-hub/api';
import { clustersChangedTo } from './clusters-changed-to.js';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface TransitionEventsInput {
  /** The status written last (the MCM's `status` as the cache holds it). */
  previous: ManagedClusterModuleStatus | undefined;
  /** The clusters as they are now. */
  clusters: readonly ClusterDeliveryStatus[];
  /** Clusters whose ManifestWork was written since the last status write. */
  applied: readonly string[];
}

/** `a, b, c` — the first ten of many, then how many more. */
function names(list: readonly string[]): string {
  return list.length > 10 ? `${list.slice(0, 10).join(', ')} and ${list.length - 10} more` : list.join(', ');
}

/**
 * One Event per kind of change since the last status write, naming the clusters (the first few of many): the
 * ManifestWorks written, the clusters that became Degraded (with the first one's reason), those that became Ready.
 * One Event per status write, not one per cluster: a fan-out to 1,000 clusters would otherwise double its API
 * writes with Events.
 */
export function transitionEvents(input: TransitionEventsInput): PlannedEvent[] {
  const { previous, clusters, applied } = input;
  const events: PlannedEvent[] = [];
  if (applied.length > 0) {
    events.push({
      type: 'Normal',
      reason: 'ManifestWorkApplied',
      message: `ManifestWork written for ${applied.length} clusters: ${names(applied)}`,
    });
  }
  const changedTo = (state: ClusterDeliveryState) => clustersChangedTo(previous, clusters, state);
  const degraded = changedTo(CLUSTER_DELIVERY_STATES.Degraded);
  const first = degraded[0];
  if (first) {
    events.push({
      type: 'Warning',
      reason: first.reason ?? 'Degraded',
      message:
        degraded.length === 1
          ? `cluster ${first.name}: ${first.message ?? ''}`
          : `${degraded.length} clusters degraded: ${names(degraded.map((c) => c.name))}; ${first.name}: ${first.message ?? ''}`,
    });
  }
  const ready = changedTo(CLUSTER_DELIVERY_STATES.Ready);
  if (ready.length > 0) {
    events.push({
      type: 'Normal',
      reason: 'ClusterReady',
      message: `${ready.length} clusters ready: ${names(ready.map((c) => c.name))}`,
    });
  }
  return events;
}
