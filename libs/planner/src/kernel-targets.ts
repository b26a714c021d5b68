import type { ManagedCluster, ManagedClusterModule } from '@kmm-hub/api';
import { kernelsOfCluster, resolveManagedClusterModuleKernel, type KernelMappingResolution } from '@kmm-hub/kernel';

export interface KernelTarget {
  kernel: string;
  resolution: KernelMappingResolution;
}

export type KernelTargets =
  { ok: true; targets: KernelTarget[] } | { ok: false; reason: 'NoKernelClaim'; message: string };

/**
 * The kernels a cluster reports and, for each, what the MCM's kernel mappings make of it. This is the part of a
 * plan that needs no I/O; the images it names are then looked up in their registries by the caller.
 */
export function kernelTargets(mcm: ManagedClusterModule, cluster: ManagedCluster): KernelTargets {
  const kernels = kernelsOfCluster(cluster);
  if (kernels === undefined || kernels.length === 0) {
    return {
      ok: false,
      reason: 'NoKernelClaim',
      message: `cluster ${cluster.metadata.name} reports no kernels (ClusterClaim kernel-versions.kmm.node.kubernetes.io is missing or empty)`,
    };
  }
  return {
    ok: true,
    targets: kernels.map((kernel) => ({ kernel, resolution: resolveManagedClusterModuleKernel(mcm, kernel) })),
  };
}
