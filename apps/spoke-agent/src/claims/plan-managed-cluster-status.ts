import type { Condition, ClusterClaim, ManagedClusterClaim, ManagedClusterStatus } from '@kmm-hub/api';
import { LABELS } from '@kmm-hub/api';
import type { KernelClaim } from '@kmm-hub/kernel';
import { CLUSTER_CONDITION, CLUSTER_REASON, MAX_CUSTOM_CLAIMS, RESERVED_CLAIM_NAMES } from './cluster-conditions.js';

export interface ClusterObservation {
  /** `spec.hubAcceptsClient`: only an accepted cluster joins and reports claims (OCM). */
  readonly accepted: boolean;
  /** The spoke API server answered; false only after failures lasting the threshold (OCM: 20 s). */
  readonly apiServerAvailable: boolean;
  /** Spoke `/version` gitVersion, when it answered. */
  readonly kubernetesVersion?: string;
  readonly claims: readonly ClusterClaim[];
  /** The kernel claim as last computed, with what was cut. */
  readonly kernelClaim?: KernelClaim;
}

type NewCondition = Omit<Condition, 'lastTransitionTime'>;

function compareByName(a: ManagedClusterClaim, b: ManagedClusterClaim): number {
  const x = a.name ?? '';
  const y = b.name ?? '';
  if (x < y) return -1;
  return x > y ? 1 : 0;
}

/**
 * OCM's claim sync (open-cluster-management-io/ocm pkg/registration/spoke/managedcluster/claim_reconcile.go): claims
 * labelled spoke-only stay local; reserved names first, then the custom ones (the kernel claim is one), each sorted by
 * name, custom cut to 20.
 */
export function mirrorClusterClaims(claims: readonly ClusterClaim[]): ManagedClusterClaim[] {
  const mirrored = claims
    .filter((c) => c.metadata.labels?.[LABELS.ocmSpokeOnlyClaim] === undefined && (c.spec?.value ?? '') !== '')
    .map((c) => ({ name: c.metadata.name ?? '', value: c.spec?.value ?? '' }));
  const reserved = mirrored.filter((c) => RESERVED_CLAIM_NAMES.has(c.name)).toSorted(compareByName);
  const custom = mirrored.filter((c) => !RESERVED_CLAIM_NAMES.has(c.name)).toSorted(compareByName);
  return [...reserved, ...custom.slice(0, MAX_CUSTOM_CLAIMS)];
}

/** Replaces (or adds) a condition, keeping its lastTransitionTime while the status is unchanged. */
function setCondition(conditions: Condition[], next: NewCondition, now: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const condition = {
    ...next,
    lastTransitionTime: old !== undefined && old.status === next.status ? old.lastTransitionTime : now,
  };
  return old === undefined ? [...conditions, condition] : conditions.map((c) => (c === old ? condition : c));
}

/**
 * The ManagedCluster status a registration agent would write (open-cluster-management-io/ocm
 * pkg/registration/spoke/managedcluster/status_controller.go), merged into the current one: other
 * writers' conditions (the hub's HubAcceptedManagedCluster) and fields stay. An unaccepted cluster gets nothing;
 * while the spoke API server is down only Available changes (OCM stops there too).
 */
export function planManagedClusterStatus(
  current: ManagedClusterStatus | undefined,
  observed: ClusterObservation,
  now: string,
): ManagedClusterStatus {
  const status: ManagedClusterStatus = structuredClone(current ?? {});
  if (!observed.accepted) return status;
  let conditions = status.conditions ?? [];
  conditions = setCondition(
    conditions,
    {
      type: CLUSTER_CONDITION.Joined,
      status: 'True',
      reason: CLUSTER_REASON.Joined,
      message: 'Managed cluster joined',
    },
    now,
  );
  conditions = setCondition(
    conditions,
    observed.apiServerAvailable
      ? {
          type: CLUSTER_CONDITION.Available,
          status: 'True',
          reason: CLUSTER_REASON.Available,
          message: 'Managed cluster is available',
        }
      : {
          type: CLUSTER_CONDITION.Available,
          status: 'False',
          reason: CLUSTER_REASON.KubeAPIServerUnavailable,
          message: 'The kube-apiserver of the managed cluster is not healthy',
        },
    now,
  );
  status.conditions = conditions;
  if (!observed.apiServerAvailable) return status;

  if (observed.kernelClaim !== undefined) {
    const { kernels, omitted } = observed.kernelClaim;
    status.conditions = setCondition(
      status.conditions,
      omitted.length === 0
        ? {
            type: CLUSTER_CONDITION.KernelVersionsComplete,
            status: 'True',
            reason: CLUSTER_REASON.AllKernelsReported,
            message: `the kernel-versions claim lists all ${kernels.length} node kernels`,
          }
        : {
            type: CLUSTER_CONDITION.KernelVersionsComplete,
            status: 'False',
            reason: CLUSTER_REASON.KernelVersionsTruncated,
            message:
              `the kernel-versions claim lists ${kernels.length} of ${kernels.length + omitted.length} node kernels ` +
              `(OCM limits a claim to 1024 characters); left out: ${omitted.join(', ')}`,
          },
      now,
    );
  }
  if (observed.kubernetesVersion !== undefined) status.version = { kubernetes: observed.kubernetesVersion };
  status.clusterClaims = mirrorClusterClaims(observed.claims);
  return status;
}
