// Conditions the agent writes on its ManagedCluster in standalone mode. The first two are OCM's registration-agent
// names (open-cluster-management-io/api cluster/v1/types.go), read by the hub and by RHACM; the last is KMM-Hub's own.

export const CLUSTER_CONDITION = {
  Joined: 'ManagedClusterJoined',
  Available: 'ManagedClusterConditionAvailable',
  /** KMM-Hub: whether the kernel-versions claim holds every node kernel or was cut to OCM's 1,024 characters. */
  KernelVersionsComplete: 'kmm.node.kubernetes.io/KernelVersionsComplete',
} as const;

export const CLUSTER_REASON = {
  Joined: 'ManagedClusterJoined',
  Available: 'ManagedClusterAvailable',
  KubeAPIServerUnavailable: 'ManagedClusterKubeAPIServerUnavailable',
  AllKernelsReported: 'AllKernelsReported',
  KernelVersionsTruncated: 'KernelVersionsTruncated',
} as const;

/**
 * OCM's reserved claim names (`ReservedClusterClaimNames`, open-cluster-management-io/api cluster/v1alpha1/types.go):
 * listed first and never cut.
 */
export const RESERVED_CLAIM_NAMES: ReadonlySet<string> = new Set([
  'id.k8s.io',
  'kubeversion.open-cluster-management.io',
  'platform.open-cluster-management.io',
  'product.open-cluster-management.io',
]);

/** OCM's default `--max-custom-cluster-claims`. */
export const MAX_CUSTOM_CLAIMS = 20;

/** OCM's registration agent Lease in the cluster's hub namespace. */
export const CLUSTER_LEASE_NAME = 'managed-cluster-lease';
