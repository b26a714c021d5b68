import type { V1Node } from '@kubernetes/client-node';
import { CLUSTER_CLAIMS, type ClusterClaim } from '@kmm-hub/api';

/** The kernel a Node reports, `''` while its kubelet has not said. */
export function nodeKernel(node: V1Node): string {
  return node.status?.nodeInfo?.kernelVersion ?? '';
}

/** A Node update matters to the kernel claim only when the kernel changed (upstream's predicate). */
export function isKernelChange(node: V1Node, old: V1Node | undefined): boolean {
  return old === undefined || nodeKernel(node) !== nodeKernel(old);
}

export function isKernelClaim(claim: ClusterClaim): boolean {
  return claim.metadata.name === CLUSTER_CLAIMS.kernelVersions;
}
