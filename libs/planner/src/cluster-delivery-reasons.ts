// The closed vocabulary of status.clusters[].reason that the planner writes (render failures add the values of
// RENDER_PROBLEM from @kmm-hub/manifestwork). summarizeStatus reads these reasons to tell what it knows about a
// cluster, so they live in one place.

/** status.clusters[].reason */
export const CLUSTER_DELIVERY_REASONS = {
  /** Selected, but the hub has not planned this cluster yet: nothing about it is known. */
  NotPlannedYet: 'NotPlannedYet',
  /** The cluster reports no kernels (state NoKernels). */
  NoKernelClaim: 'NoKernelClaim',
  /** No kernel mapping matches any kernel of the cluster, and no ManifestWork was ever applied there. */
  NoMatchingKernel: 'NoMatchingKernel',
  /** No kernel mapping matches any kernel of the cluster; the Module applied before is kept (state Degraded). */
  NoMatchingKernelModuleKept: 'NoMatchingKernelModuleKept',
  /** No targeted kernel has an image yet; checks or builds are under way. */
  ImagesNotReady: 'ImagesNotReady',
  /** No targeted kernel has an image, and some failed. */
  ImagesFailed: 'ImagesFailed',
  /** Some kernels are published; others failed. */
  SomeImagesFailed: 'SomeImagesFailed',
  /** The work agent reports Applied=False for the current ManifestWork (the message says why). */
  ApplyFailed: 'ApplyFailed',
  /** The work agent reports the ManifestWork Degraded. */
  ManifestWorkDegraded: 'ManifestWorkDegraded',
  /** The ManifestWork is written; the work agent has not reported applying this generation yet. */
  ApplyPending: 'ApplyPending',
  /** Applied; some kernels are still being checked or built. */
  ImagesPending: 'ImagesPending',
  /** Applied and available. */
  Available: 'Available',
  /** Applied; the agent has not reported the Module available yet. */
  Applied: 'Applied',
  /** The ManagedClusterModule is being deleted and this cluster's ManifestWork is not gone yet. */
  Deleting: 'Deleting',
} as const;

export type ClusterDeliveryReason = (typeof CLUSTER_DELIVERY_REASONS)[keyof typeof CLUSTER_DELIVERY_REASONS];
