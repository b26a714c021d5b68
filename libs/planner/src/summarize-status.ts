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

export interface StatusInput {
  mcm: ManagedClusterModule;
  /** Spec problems; when present nothing was planned and the status says why. */
  invalid?: { reason: string; message: string };
  /** Per selected cluster, in selection order. */
  clusters: readonly ClusterDeliveryStatus[];
  /** Our ManifestWorks by cluster, as the hub sees them. */
  manifestWorks: ReadonlyMap<string, ManifestWork>;
  now: Date;
  /** Room for status.clusters (default DEFAULT_MAX_CLUSTER_STATUS_BYTES); see capClusterStatuses. */
  maxClusterBytes?: number;
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
 * The MCM status from per-cluster results: upstream's counters, our per-cluster detail, and the Valid,
 * ImagesReady, Applied, Available and Degraded conditions. Pure; written separately and only when it differs from the live status.
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
  const degradedClusters = clusters.filter((c) => c.state === CLUSTER_DELIVERY_STATES.Degraded);
  const none = clusters.length === 0;
  const NONE_SELECTED = 'the selectors match no ManagedCluster';
  const list = (items: string[]) =>
    items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', ');

  const kernelsNotReady = clusters.flatMap((c) =>
    (c.kernels ?? [])
      .filter((k) => k.state !== KERNEL_IMAGE_STATES.Ready && k.state !== KERNEL_IMAGE_STATES.Unmapped)
      .map((k) => `${c.name}/${k.kernel} ${k.state}`),
  );
  const withoutKernels = clusters.filter((c) => c.state === CLUSTER_DELIVERY_STATES.NoKernels).map((c) => c.name);
  const imagesReady = !none && kernelsNotReady.length === 0 && withoutKernels.length === 0;
  const notApplied = clusters.filter((c) => !c.manifestWork?.applied).map((c) => c.name);
  const notAvailable = clusters.filter((c) => !c.manifestWork?.available).map((c) => c.name);

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
      TYPES.ImagesReady,
      imagesReady,
      imagesReady ? 'AllImagesReady' : none ? 'NoClustersSelected' : 'ImagesNotReady',
      imagesReady
        ? 'every targeted kernel has its image, pinned to a digest'
        : none
          ? NONE_SELECTED
          : [
              kernelsNotReady.length > 0 ? `kernels without a ready image: ${list(kernelsNotReady)}` : '',
              withoutKernels.length > 0 ? `clusters reporting no kernels: ${list(withoutKernels)}` : '',
            ]
              .filter(Boolean)
              .join('; '),
      generation,
      now,
    ),
    condition(
      previous,
      TYPES.Applied,
      !none && notApplied.length === 0,
      none ? 'NoClustersSelected' : notApplied.length === 0 ? 'AllApplied' : 'NotApplied',
      none
        ? NONE_SELECTED
        : notApplied.length === 0
          ? `applied on ${clusters.length} clusters`
          : `not applied on ${list(notApplied)}`,
      generation,
      now,
    ),
    condition(
      previous,
      TYPES.Available,
      !none && notAvailable.length === 0,
      none ? 'NoClustersSelected' : notAvailable.length === 0 ? 'AllAvailable' : 'NotAvailable',
      none
        ? NONE_SELECTED
        : notAvailable.length === 0
          ? `available on ${clusters.length} clusters`
          : `not available on ${list(notAvailable)}`,
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

  const listed = capClusterStatuses(clusters, input.maxClusterBytes);
  return {
    numberSelected: clusters.length,
    numberDesired: manifestWorks.size,
    numberApplied: applied,
    numberAvailable: available,
    numberDegraded: degraded,
    ...(generation !== undefined && { observedGeneration: generation }),
    conditions,
    clusters: listed.clusters,
    ...(listed.omitted > 0 && { clustersOmitted: listed.omitted }),
  };
}
