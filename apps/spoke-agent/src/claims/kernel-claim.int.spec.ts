// Kernel reporting against real API servers: the spoke is an API server of this file's own (so no other test's
// Nodes reach the claim), the hub is the shared one. Nodes are created as a kubelet would register them.
import type { V1Lease } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLUSTER_CLAIMS, LABELS, LIMITS, RESOURCES, type ClusterClaim, type ManagedCluster } from '@kmm-hub/api';
import { kernelsOfCluster } from '@kmm-hub/kernel';
import type { KubeHttp } from '@kmm-hub/kube';
import { readAuditLog, startDedicatedCluster, type ClusterInfo, type DedicatedCluster } from '@kmm-hub/test-env';
import {
  adminHttp,
  applyAll,
  conditionOf,
  createNamespace,
  getOrUndefined,
  loadManifests,
  serviceAccountToken,
  startAgent,
  uniqueName,
  writeKubeconfig,
  type RunningAgent,
} from '../spoke-agent.testing.js';
import { KernelClaimReconciler } from './kernel-claim.reconciler.js';

const env = inject('env');
const hub = adminHttp(env.hub);
const CC = RESOURCES.ClusterClaim;
const MC = RESOURCES.ManagedCluster;
const CLAIMS = `/apis/${CC.group}/${CC.version}/${CC.plural}`;
const POLL = { timeout: 30_000, interval: 100 };

let dedicated: DedicatedCluster | undefined;
let spoke: ClusterInfo;
let http: KubeHttp;
const agents: RunningAgent[] = [];
const nodes: string[] = [];

beforeAll(async () => {
  dedicated = await startDedicatedCluster(env, 'claims-spoke');
  spoke = dedicated.info;
  http = adminHttp(spoke);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await Promise.all(nodes.splice(0).map((n) => http.json('DELETE', `/api/v1/nodes/${n}`)));
});

afterAll(() => dedicated?.stop());

async function createNode(name: string, kernel: string): Promise<void> {
  nodes.push(name);
  await http.json('POST', '/api/v1/nodes', { body: { metadata: { name } } });
  await http.json('PATCH', `/api/v1/nodes/${name}/status`, {
    body: { status: { nodeInfo: { kernelVersion: kernel } } },
    contentType: 'application/merge-patch+json',
  });
}

const claimValue = async () =>
  (await getOrUndefined<ClusterClaim>(http, `${CLAIMS}/${CLUSTER_CLAIMS.kernelVersions}`))?.spec?.value;

describe(KernelClaimReconciler.name, () => {
  it('keeps the kernel claim equal to the node kernels as Nodes come, change and go, and heals an edited claim', async () => {
    agents.push(
      await startAgent({
        CLUSTER_NAME: 'claims',
        SPOKE_KUBECONFIG: spoke.kubeconfigPath,
        WORK_AGENT: 'false',
        MODULE_RECONCILER: 'false',
      }),
    );
    await createNode('n1', '6.1.0-13-amd64');
    await createNode('n2', '5.14.0-427.13.1.el9_4.x86_64');
    await createNode('n3', '6.1.0-13-amd64');
    await expect.poll(claimValue, POLL).toBe('5.14.0-427.13.1.el9_4.x86_64\n6.1.0-13-amd64');

    await createNode('n4', '6.1.21-v8+');
    await expect.poll(claimValue, POLL).toBe('5.14.0-427.13.1.el9_4.x86_64\n6.1.0-13-amd64\n6.1.21-v8+');

    await http.json('DELETE', '/api/v1/nodes/n2');
    await expect.poll(claimValue, POLL).toBe('6.1.0-13-amd64\n6.1.21-v8+');

    await http.json('PATCH', '/api/v1/nodes/n3/status', {
      body: { status: { nodeInfo: { kernelVersion: '6.12.0-1-amd64' } } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(claimValue, POLL).toBe('6.1.0-13-amd64\n6.1.21-v8+\n6.12.0-1-amd64');

    await http.json('PATCH', `${CLAIMS}/${CLUSTER_CLAIMS.kernelVersions}`, {
      body: { spec: { value: 'edited by hand' } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(claimValue, POLL).toBe('6.1.0-13-amd64\n6.1.21-v8+\n6.12.0-1-amd64');

    for (const n of ['n1', 'n3', 'n4']) await http.json('DELETE', `/api/v1/nodes/${n}`);
    nodes.length = 0;
    await expect.poll(claimValue, POLL).toBeUndefined();
  });

  it('standalone: the hub sees the kernels in ManagedCluster.status, with Joined and Available, a lease, and what was cut', async () => {
    const cluster = uniqueName('standalone');
    await createNamespace(env.hub, cluster);
    const mcPath = `/apis/${MC.group}/${MC.version}/${MC.plural}/${cluster}`;
    await hub.json('POST', `/apis/${MC.group}/${MC.version}/${MC.plural}`, {
      body: {
        apiVersion: MC.apiVersion,
        kind: MC.kind,
        metadata: { name: cluster },
        spec: { hubAcceptsClient: true, leaseDurationSeconds: 1 },
      },
    });
    // The hub's registration controller wrote its condition: the agent must keep it.
    await hub.json('PATCH', `${mcPath}/status`, {
      body: {
        status: {
          conditions: [
            {
              type: 'HubAcceptedManagedCluster',
              status: 'True',
              reason: 'HubClusterAdminAccepted',
              message: 'Accepted by hub cluster admin',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
      contentType: 'application/merge-patch+json',
    });
    // Another claim of the spoke, and one that must stay on the spoke.
    await http.json('POST', CLAIMS, {
      body: { apiVersion: CC.apiVersion, kind: CC.kind, metadata: { name: 'id.k8s.io' }, spec: { value: cluster } },
    });
    await http.json('POST', CLAIMS, {
      body: {
        apiVersion: CC.apiVersion,
        kind: CC.kind,
        metadata: { name: 'local.example.com', labels: { [LABELS.ocmSpokeOnlyClaim]: '' } },
        spec: { value: 'secret-ish' },
      },
    });
    // 60 distinct kernels of 28 characters cannot fit 1,024 characters; the first kernel runs on 3 nodes.
    const kernels = Array.from({ length: 60 }, (_, i) => `5.14.0-${String(i).padStart(3, '0')}.13.1.el9_4.x86_64`);
    await Promise.all(kernels.map((k, i) => createNode(`big-${i}`, k)));
    await Promise.all(['big-x', 'big-y'].map((n) => createNode(n, kernels[0] ?? '')));

    // The agent's hub identity has exactly the rights of deploy/spoke-agent/rbac-hub*.yaml.
    await applyAll(env.hub, [
      ...loadManifests('deploy/spoke-agent/rbac-hub.yaml', { CLUSTER_NAME: cluster }),
      ...loadManifests('deploy/spoke-agent/rbac-hub-standalone.yaml', { CLUSTER_NAME: cluster }),
    ]);
    const hubToken = await serviceAccountToken(env.hub, cluster, 'kmm-spoke-agent');
    const agentUser = `system:serviceaccount:${cluster}:kmm-spoke-agent`;
    agents.push(
      await startAgent({
        CLUSTER_NAME: cluster,
        HUB_KUBECONFIG: writeKubeconfig(env.workDir, env.hub, hubToken),
        SPOKE_KUBECONFIG: spoke.kubeconfigPath,
        STANDALONE: 'true',
        WORK_AGENT: 'false',
        MODULE_RECONCILER: 'false',
      }),
    );

    await expect
      .poll(async () => kernelsOfCluster(await hub.json<ManagedCluster>('GET', mcPath))?.length, POLL)
      .toBeGreaterThan(0);
    const mc = await hub.json<ManagedCluster>('GET', mcPath);
    const seen = kernelsOfCluster(mc) ?? [];
    const value = (await claimValue()) ?? '';
    expect(value.length).toBeLessThanOrEqual(LIMITS.clusterClaimValue);
    expect(seen).toContain(kernels[0]);
    const complete = conditionOf(mc.status?.conditions, 'kmm.node.kubernetes.io/KernelVersionsComplete');
    expect(complete).toMatchObject({ status: 'False', reason: 'KernelVersionsTruncated' });
    const omitted = kernels.filter((k) => !seen.includes(k));
    expect(omitted.length).toBeGreaterThan(0);
    for (const k of omitted) expect(complete?.message).toContain(k);

    expect(mc.status?.clusterClaims?.map((c) => c.name)).toEqual(['id.k8s.io', CLUSTER_CLAIMS.kernelVersions]);
    expect(conditionOf(mc.status?.conditions, 'HubAcceptedManagedCluster')?.status).toBe('True');
    expect(conditionOf(mc.status?.conditions, 'ManagedClusterJoined')?.status).toBe('True');
    expect(conditionOf(mc.status?.conditions, 'ManagedClusterConditionAvailable')).toMatchObject({
      status: 'True',
      reason: 'ManagedClusterAvailable',
    });
    expect(mc.status?.version?.kubernetes).toMatch(/^v1\.\d+\.\d+/);

    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${cluster}/leases/managed-cluster-lease`;
    // Steady: the lease is renewed every leaseDurationSeconds (1 s here); ManagedCluster.status is not rewritten.
    const steadySince = Date.now();
    for (let renewal = 0; renewal < 2; renewal++) {
      const renewed = (await hub.json<V1Lease>('GET', leasePath)).spec?.renewTime;
      await expect
        .poll(async () => (await hub.json<V1Lease>('GET', leasePath)).spec?.renewTime, POLL)
        .not.toBe(renewed);
    }
    const writes = readAuditLog(env.hub.auditLogPath, { username: agentUser }).filter(
      (e) =>
        e.stage === 'ResponseComplete' &&
        !['watch', 'get', 'list'].includes(e.verb) &&
        Date.parse(e.stageTimestamp) >= steadySince,
    );
    expect(new Set(writes.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name}`))).toEqual(
      new Set(['update leases/managed-cluster-lease']),
    );
    expect(writes.every((e) => e.responseStatus?.code === 200)).toBe(true);

    // Fewer kernels: everything fits again and the condition says so.
    await Promise.all(
      nodes.filter((n) => n.startsWith('big-') && n !== 'big-0').map((n) => http.json('DELETE', `/api/v1/nodes/${n}`)),
    );
    nodes.splice(0, nodes.length, 'big-0');
    // The list fits again before the agent has seen every deletion: wait for the last kernel list, then its condition.
    await expect
      .poll(async () => kernelsOfCluster(await hub.json<ManagedCluster>('GET', mcPath)), POLL)
      .toEqual([kernels[0]]);
    await expect
      .poll(
        async () =>
          conditionOf(
            (await hub.json<ManagedCluster>('GET', mcPath)).status?.conditions,
            'kmm.node.kubernetes.io/KernelVersionsComplete',
          )?.status,
        POLL,
      )
      .toBe('True');
    await http.json('DELETE', `${CLAIMS}/id.k8s.io`);
    await http.json('DELETE', `${CLAIMS}/local.example.com`);
  });
});
