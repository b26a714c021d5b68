import { CLUSTER_CLAIMS, newManagedClusterModule, type ManagedCluster, type ManagedClusterModule } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { kernelTargets } from './kernel-targets.js';

const mcmWith = (containerImage: string): ManagedClusterModule =>
  newManagedClusterModule({
    metadata: { name: 'gpu', uid: 'u-1', generation: 1 },
    spec: {
      spokeNamespace: 'kmm',
      moduleSpec: {
        moduleLoader: {
          container: { modprobe: { moduleName: 'gpu' }, kernelMappings: [{ regexp: '^6\\.1\\.', containerImage }] },
        },
        selector: {},
      },
    },
  });

const cluster = (name: string, kernels: string): ManagedCluster => ({
  apiVersion: 'cluster.open-cluster-management.io/v1',
  kind: 'ManagedCluster',
  metadata: { name },
  spec: { hubAcceptsClient: true },
  status: { clusterClaims: [{ name: CLUSTER_CLAIMS.kernelVersions, value: kernels }] },
});

const imagesOf = (mcm: ManagedClusterModule, c: ManagedCluster) => {
  const t = kernelTargets(mcm, c);
  return t.ok
    ? t.targets.map((x) => (x.resolution.ok ? x.resolution.mapping.containerImage : x.resolution.reason))
    : [];
};

describe('kernelTargets', () => {
  it('resolves a kernel once per MCM object: clusters on the same kernel share the resolution', () => {
    const mcm = mcmWith('registry.test/gpu:${KERNEL_FULL_VERSION}');
    const a = kernelTargets(mcm, cluster('edge-1', '6.1.0-28-amd64'));
    const b = kernelTargets(mcm, cluster('edge-2', '6.1.0-28-amd64\n6.1.0-30-amd64'));
    expect(a.ok && b.ok && a.targets[0]!.resolution).toBe(b.ok && b.targets[0]!.resolution);
    expect(imagesOf(mcm, cluster('edge-2', '6.1.0-28-amd64\n6.1.0-30-amd64'))).toEqual([
      'registry.test/gpu:6.1.0-28-amd64',
      'registry.test/gpu:6.1.0-30-amd64',
    ]);
  });

  it('answers a changed MCM (a new object, as the informer hands out) from its new spec', () => {
    const edge = cluster('edge-1', '6.1.0-28-amd64');
    expect(imagesOf(mcmWith('registry.test/gpu:${KERNEL_FULL_VERSION}'), edge)).toEqual([
      'registry.test/gpu:6.1.0-28-amd64',
    ]);
    expect(imagesOf(mcmWith('registry.test/gpu-v2:${KERNEL_FULL_VERSION}'), edge)).toEqual([
      'registry.test/gpu-v2:6.1.0-28-amd64',
    ]);
  });
});
