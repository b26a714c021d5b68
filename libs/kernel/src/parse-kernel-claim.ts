import { CLUSTER_CLAIMS, type ManagedCluster } from '@kmm-hub/api';
import { trimKernelSuffix } from './kernel-version.js';

/**
 * Parses the value of the `kernel-versions.kmm.node.kubernetes.io` ClusterClaim into the kernels to serve.
 *
 * Upstream's spoke writes the unique node kernels, sorted, joined with `\n` and with the trailing `+` kept
 * (`internal/controllers/node_kernel_clusterclaim.go`); the hub splits on `\n`, sorts, and trims the `+` per kernel.
 * We are lenient about hand-written or foreign claims: lines are trimmed (so `\r\n` works), blank lines dropped,
 * one trailing `+` removed, then the list is de-duplicated and sorted by UTF-16 code unit (byte order for the ASCII
 * a kernel release is made of, like Go's `sort.Strings`).
 */
export function parseKernelClaim(value: string): string[] {
  const kernels = new Set<string>();
  for (const line of value.split('\n')) {
    const kernel = trimKernelSuffix(line.trim());
    if (kernel !== '') kernels.add(kernel);
  }
  return [...kernels].toSorted(compareCodeUnits);
}

/**
 * The kernels a ManagedCluster reports through `status.clusterClaims[kernel-versions.kmm.node.kubernetes.io]`, or
 * `undefined` when it has no such claim (upstream then skips the cluster; we report it as having no kernels).
 */
export function kernelsOfCluster(cluster: ManagedCluster): string[] | undefined {
  const claim = cluster.status?.clusterClaims?.find((c) => c.name === CLUSTER_CLAIMS.kernelVersions);
  return claim === undefined ? undefined : parseKernelClaim(claim.value ?? '');
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
