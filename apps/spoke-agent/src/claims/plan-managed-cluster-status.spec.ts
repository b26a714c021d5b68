import { describe, expect, it } from 'vitest';
import { CLUSTER_CLAIMS, LABELS, type ClusterClaim, type ManagedClusterStatus } from '@kmm-hub/api';
import { renderKernelClaim } from '@kmm-hub/kernel';
import {
  mirrorClusterClaims,
  planManagedClusterStatus,
  type ClusterObservation,
} from './plan-managed-cluster-status.js';

const claim = (name: string, value: string, labels?: Record<string, string>): ClusterClaim => ({
  apiVersion: 'cluster.open-cluster-management.io/v1alpha1',
  kind: 'ClusterClaim',
  metadata: { name, ...(labels && { labels }) },
  spec: { value },
});
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:01:00Z';
const observed = (over: Partial<ClusterObservation> = {}): ClusterObservation => ({
  accepted: true,
  apiServerAvailable: true,
  kubernetesVersion: 'v1.35.4',
  claims: [claim(CLUSTER_CLAIMS.kernelVersions, '6.1.0-13-amd64')],
  kernelClaim: renderKernelClaim(['6.1.0-13-amd64']),
  ...over,
});
const types = (s: ManagedClusterStatus) => s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('mirrorClusterClaims', () => {
  it('puts reserved claims first, sorts, leaves spoke-only claims home and keeps 20 custom ones', () => {
    const custom = Array.from({ length: 25 }, (_, i) => claim(`c${String(i).padStart(2, '0')}.example.com`, 'v'));
    const sut = mirrorClusterClaims([
      ...custom.toReversed(),
      claim('platform.open-cluster-management.io', 'AWS'),
      claim('id.k8s.io', 'abc'),
      claim('local.example.com', 'x', { [LABELS.ocmSpokeOnlyClaim]: '' }),
    ]);
    expect(sut.slice(0, 3)).toEqual([
      { name: 'id.k8s.io', value: 'abc' },
      { name: 'platform.open-cluster-management.io', value: 'AWS' },
      { name: 'c00.example.com', value: 'v' },
    ]);
    expect(sut).toHaveLength(22);
    expect(sut.some((c) => c.name === 'local.example.com')).toBe(false);
  });
});

describe('planManagedClusterStatus', () => {
  it('writes Joined, Available, the truncation condition, version and claims, keeping the hub’s own condition', () => {
    const accepted = {
      type: 'HubAcceptedManagedCluster',
      status: 'True' as const,
      reason: 'HubClusterAdminAccepted',
      message: 'ok',
      lastTransitionTime: T1,
    };
    const sut = planManagedClusterStatus({ conditions: [accepted] }, observed(), T2);
    expect(types(sut)).toEqual([
      'HubAcceptedManagedCluster=True/HubClusterAdminAccepted',
      'ManagedClusterJoined=True/ManagedClusterJoined',
      'ManagedClusterConditionAvailable=True/ManagedClusterAvailable',
      'kmm.node.kubernetes.io/KernelVersionsComplete=True/AllKernelsReported',
    ]);
    expect(sut.version).toEqual({ kubernetes: 'v1.35.4' });
    expect(sut.clusterClaims).toEqual([{ name: CLUSTER_CLAIMS.kernelVersions, value: '6.1.0-13-amd64' }]);
    expect(planManagedClusterStatus(sut, observed(), '2026-01-01T00:02:00Z')).toEqual(sut);
  });

  it('names the kernels cut from the claim', () => {
    const kernels = Array.from({ length: 60 }, (_, i) => `5.14.0-${String(i).padStart(3, '0')}.13.1.el9_4.x86_64`);
    const kernelClaim = renderKernelClaim(kernels);
    const sut = planManagedClusterStatus(undefined, observed({ kernelClaim }), T1);
    const condition = sut.conditions?.find((c) => c.type === 'kmm.node.kubernetes.io/KernelVersionsComplete');
    expect(condition).toMatchObject({ status: 'False', reason: 'KernelVersionsTruncated' });
    expect(condition?.message).toContain(`lists ${kernelClaim.kernels.length} of 60 node kernels`);
    for (const k of kernelClaim.omitted) expect(condition?.message).toContain(k);
  });

  it('only marks the cluster unavailable while the spoke API server is down, keeping claims and version', () => {
    const healthy = planManagedClusterStatus(undefined, observed(), T1);
    const sut = planManagedClusterStatus(
      healthy,
      observed({ apiServerAvailable: false, claims: [], kubernetesVersion: undefined }),
      T2,
    );
    expect(sut.conditions?.find((c) => c.type === 'ManagedClusterConditionAvailable')).toMatchObject({
      status: 'False',
      reason: 'ManagedClusterKubeAPIServerUnavailable',
      lastTransitionTime: T2,
    });
    expect(sut.clusterClaims).toEqual(healthy.clusterClaims);
    expect(sut.version).toEqual(healthy.version);
  });

  it('writes nothing for a cluster the hub has not accepted', () => {
    expect(planManagedClusterStatus({ conditions: [] }, observed({ accepted: false }), T1)).toEqual({ conditions: [] });
  });
});
