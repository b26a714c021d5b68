import { CLUSTER_CLAIMS, RESOURCES, type ManagedCluster } from '@kmm-hub/api';
import type { ServerSideApplier } from '@kmm-hub/kube';

export interface ManagedClusterSeed {
  name: string;
  labels: Record<string, string>;
  /** Kernels for the kernel-versions ClusterClaim in status; omitted, the cluster reports no claim. */
  kernels?: string[];
  /** Sets ManagedClusterConditionAvailable (True or False) as the registration agent would. */
  available?: boolean;
}

/**
 * A ManagedCluster on the hub as OCM registration leaves it: accepted, labelled, and with what a klusterlet (or our
 * standalone agent) reports in status. The one way tests and the demo create clusters.
 */
export async function applyManagedCluster(hub: ServerSideApplier, seed: ManagedClusterSeed): Promise<void> {
  const { apiVersion } = RESOURCES.ManagedCluster;
  await hub.apply({
    apiVersion,
    kind: 'ManagedCluster',
    metadata: { name: seed.name, labels: seed.labels },
    spec: { hubAcceptsClient: true },
  } as ManagedCluster);
  if (seed.kernels === undefined && seed.available === undefined) return;
  await hub.apply(
    {
      apiVersion,
      kind: 'ManagedCluster',
      metadata: { name: seed.name },
      status: {
        ...(seed.available !== undefined && {
          conditions: [
            {
              type: 'ManagedClusterConditionAvailable',
              status: seed.available ? 'True' : 'False',
              reason: seed.available ? 'ManagedClusterAvailable' : 'ManagedClusterLeaseUpdateStopped',
              message: '',
              lastTransitionTime: '2026-11-27T00:00:00Z',
            },
          ],
        }),
        ...(seed.kernels !== undefined && {
          clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value: seed.kernels.join('\n') }],
        }),
      },
    } as ManagedCluster,
    { subresource: 'status' },
  );
}
