// The closed vocabularies of ManagedClusterModule.status (KMM-Hub extensions). The states are enums in the CRD, so
// `satisfies` proves at compile time that every constant is a value the API server accepts.
import type { ClusterDeliveryState, KernelImageState } from './types.js';

/** status.clusters[].state */
export const CLUSTER_DELIVERY_STATES = {
  /** Selected, nothing published yet. */
  Pending: 'Pending',
  /** The cluster reports no kernel claim, so nothing can be targeted. */
  NoKernels: 'NoKernels',
  /** Published; some kernels or the apply on the cluster are still pending. */
  Progressing: 'Progressing',
  /** Every targeted kernel is published and the ManifestWork is applied. */
  Ready: 'Ready',
  /** The apply on the cluster or some kernel failed. */
  Degraded: 'Degraded',
} as const satisfies Record<string, ClusterDeliveryState>;

/** status.clusters[].kernels[].state */
export const KERNEL_IMAGE_STATES = {
  /** No kernel mapping matches the kernel: it is not targeted. */
  Unmapped: 'Unmapped',
  /** Not checked yet. */
  Pending: 'Pending',
  /** Its registry is being asked (the check runs in the background) and nothing is published for it yet. */
  Checking: 'Checking',
  Building: 'Building',
  Signing: 'Signing',
  /** The image exists, its digest is known and it is published. */
  Ready: 'Ready',
  /** The image does not exist and the mapping has neither build nor sign to make it. */
  Missing: 'Missing',
  /** The last check, build or sign failed; see lastError. */
  Failed: 'Failed',
} as const satisfies Record<string, KernelImageState>;

/** status.conditions[].type */
export const MANAGED_CLUSTER_MODULE_CONDITION_TYPES = {
  /** The spec passed validation; False carries the first issues in the message. */
  Valid: 'Valid',
  /** Every targeted kernel of every selected cluster has its image (built, signed, pinned to a digest). */
  ImagesReady: 'ImagesReady',
  /** Every selected cluster has its ManifestWork and the work agent applied its current generation. */
  Applied: 'Applied',
  /** Every selected cluster reports the Module available. */
  Available: 'Available',
  /** Some selected cluster is Degraded: an image failed or the work agent reports a failure. */
  Degraded: 'Degraded',
} as const;

export type ManagedClusterModuleConditionType =
  (typeof MANAGED_CLUSTER_MODULE_CONDITION_TYPES)[keyof typeof MANAGED_CLUSTER_MODULE_CONDITION_TYPES];
