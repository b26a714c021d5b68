// Outages, on API servers this file starts, stops and restarts by PID (the shared ones stay up for other files).
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { RESOURCES, newModule, type ManifestWork, type Module } from '@kmm-hub/api';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';
import { readAuditLog, startDedicatedCluster, type DedicatedCluster } from '@kmm-hub/test-env';
import {
  adminHttp,
  applyAll,
  conditionOf,
  configMap,
  createNamespace,
  getOrUndefined,
  loadManifests,
  manifestWorkPath,
  newManifestWork,
  serviceAccountToken,
  startAgent,
  uniqueName,
  writeKubeconfig,
  type RunningAgent,
} from '../spoke-agent.testing.js';
import { ManifestWorkReconciler } from './manifest-work.reconciler.js';

const env = inject('env');
const M = RESOURCES.Module;
const POLL = { timeout: 30_000, interval: 100 };
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

const agents: RunningAgent[] = [];
const clusters: DedicatedCluster[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

/** The Module the hub would send, with the feedback rule it sets (the nine Module status counters). */
function moduleWork(cluster: string, namespace: string): ManifestWork {
  const module = newModule({ metadata: { name: 'gpu', namespace } });
  const container = module.spec.moduleLoader.container;
  container.kernelMappings = [
    { literal: '6.1.0-13-amd64', containerImage: 'registry.example/gpu@sha256:' + 'b2'.repeat(32) },
  ];
  return newManifestWork(cluster, 'gpu', [module as unknown as Record<string, unknown>], {
    manifestConfigs: [
      {
        resourceIdentifier: { group: M.group, resource: M.plural, namespace, name: 'gpu' },
        feedbackRules: [
          {
            type: 'JSONPaths',
            jsonPaths: [{ name: 'moduleLoader.availableNumber', path: '.status.moduleLoader.availableNumber' }],
          },
        ],
      },
    ],
  });
}

describe('hub unreachable', () => {
  it('leaves the spoke untouched, retries, and catches up on return without re-applying unchanged objects', async () => {
    // A spoke of its own too: agents of other files reconcile every Module of a shared spoke, and would overwrite
    // the Module status this test writes.
    const [hubCluster, spokeCluster] = await Promise.all([
      startDedicatedCluster(env, 'outage-hub'),
      startDedicatedCluster(env, 'outage-spoke'),
    ]);
    clusters.push(hubCluster, spokeCluster);
    const hub = adminHttp(hubCluster.info);
    const spoke = spokeCluster.info;
    const spokeAdmin = adminHttp(spoke);
    const cluster = uniqueName('outage');
    await createNamespace(hubCluster.info, cluster);
    await createNamespace(spoke, cluster);
    // The agent's own spoke identity (the ClusterRole of deploy/), so the audit log tells its writes apart.
    await applyAll(spoke, [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent', namespace: cluster } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${cluster}-agent` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kmm-spoke-agent' },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: cluster }],
      } as never,
      ...loadManifests('deploy/spoke-agent/rbac.yaml').filter((o) => o.kind === 'ClusterRole'),
    ]);
    const agentUser = `system:serviceaccount:${cluster}:agent`;
    const agent = await startAgent({
      CLUSTER_NAME: cluster,
      AGENT_ID: cluster,
      HUB_KUBECONFIG: hubCluster.info.kubeconfigPath,
      SPOKE_KUBECONFIG: writeKubeconfig(env.workDir, spoke, await serviceAccountToken(spoke, cluster, 'agent')),
      MODULE_RECONCILER: 'false',
    });
    agents.push(agent);
    const sut = agent.app.get(ManifestWorkReconciler);

    await hub.json('POST', manifestWorkPath(cluster), { body: moduleWork(cluster, cluster) });
    const modulePath = `/apis/${M.group}/${M.version}/namespaces/${cluster}/${M.plural}/gpu`;
    const workStatus = async () =>
      decodeManifestWorkStatus(await hub.json<ManifestWork>('GET', manifestWorkPath(cluster, 'gpu')));
    await expect.poll(async () => (await workStatus()).applied, POLL).toBe(true);
    const moduleVersion = (await spokeAdmin.json<Module>('GET', modulePath)).metadata.resourceVersion;

    // The hub goes away. The agent keeps its last view: the Module stays, re-apply passes go on without writes.
    await hubCluster.stopApiServer();
    const outageStart = Date.now();
    for (let pass = 0; pass < 2; pass++) {
      const last = sut.lastAppliedAt('gpu') ?? 0;
      await expect.poll(() => (sut.lastAppliedAt('gpu') ?? 0) > last, POLL).toBe(true);
    }
    const module = await getOrUndefined<Module>(spokeAdmin, modulePath);
    expect(module?.metadata.resourceVersion).toBe(moduleVersion);

    // Meanwhile the Module's status moves on the spoke: news the agent cannot deliver yet.
    await spokeAdmin.json('PATCH', `${modulePath}/status`, {
      body: { status: { moduleLoader: { nodesMatchingSelectorNumber: 3, desiredNumber: 3, availableNumber: 3 } } },
      contentType: 'application/merge-patch+json',
    });

    const hubBack = adminHttp(await hubCluster.restart());
    await expect
      .poll(
        async () =>
          decodeManifestWorkStatus(await hubBack.json<ManifestWork>('GET', manifestWorkPath(cluster, 'gpu'))).feedback
            .moduleLoader.available,
        POLL,
      )
      .toBe(3);
    const writes = readAuditLog(spoke.auditLogPath, { username: agentUser }).filter(
      (e) => e.stage === 'ResponseComplete' && WRITES.has(e.verb) && Date.parse(e.stageTimestamp) >= outageStart,
    );
    expect(writes.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect((await spokeAdmin.json<Module>('GET', modulePath)).metadata.resourceVersion).not.toBe(moduleVersion); // status only
    expect((await spokeAdmin.json<Module>('GET', modulePath)).metadata.generation).toBe(module?.metadata.generation);

    // The watch is back: a change on the hub reaches the spoke.
    const changed = moduleWork(cluster, cluster);
    const sent = changed.spec?.workload?.manifests?.[0] as unknown as ReturnType<typeof newModule>;
    sent.spec.moduleLoader.container.modprobe.parameters = ['after=outage'];
    await hubBack.json('PATCH', manifestWorkPath(cluster, 'gpu'), {
      body: { spec: changed.spec },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(
        async () =>
          (await spokeAdmin.json<Module>('GET', modulePath)).spec?.moduleLoader?.container.modprobe.parameters,
        POLL,
      )
      .toEqual(['after=outage']);
  });
});

describe('spoke API server restart', () => {
  it('reports the spoke unreachable, then re-applies what changed on the hub meanwhile once the spoke is back', async () => {
    const spokeCluster = await startDedicatedCluster(env, 'restart-spoke');
    clusters.push(spokeCluster);
    const hub = adminHttp(env.hub);
    const cluster = uniqueName('restart');
    await createNamespace(env.hub, cluster);
    await createNamespace(spokeCluster.info, cluster);
    agents.push(
      await startAgent({
        CLUSTER_NAME: cluster,
        AGENT_ID: cluster,
        HUB_KUBECONFIG: env.hub.kubeconfigPath,
        SPOKE_KUBECONFIG: spokeCluster.info.kubeconfigPath,
        MODULE_RECONCILER: 'false',
      }),
    );
    await hub.json('POST', manifestWorkPath(cluster), {
      body: newManifestWork(cluster, 'cfg', [configMap(cluster, 'cfg', { v: '1' })]),
    });
    const available = async () => {
      const work = await hub.json<ManifestWork>('GET', manifestWorkPath(cluster, 'cfg'));
      return conditionOf(work.status?.conditions, 'Available')?.reason;
    };
    await expect.poll(available, POLL).toBe('ResourcesAvailable');

    await spokeCluster.stopApiServer();
    await expect.poll(available, POLL).toBe('ResourcesStatusUnknown');
    await hub.json('PATCH', manifestWorkPath(cluster, 'cfg'), {
      body: { spec: { workload: { manifests: [configMap(cluster, 'cfg', { v: '2' })] } } },
      contentType: 'application/merge-patch+json',
    });

    const spoke = adminHttp(await spokeCluster.restart());
    await expect
      .poll(
        async () => (await getOrUndefined<V1ConfigMap>(spoke, `/api/v1/namespaces/${cluster}/configmaps/cfg`))?.data,
        POLL,
      )
      .toEqual({ v: '2' });
    await expect.poll(available, POLL).toBe('ResourcesAvailable');
    const work = await hub.json<ManifestWork>('GET', manifestWorkPath(cluster, 'cfg'));
    expect(conditionOf(work.status?.conditions, 'Applied')).toMatchObject({
      status: 'True',
      observedGeneration: work.metadata.generation,
    });
  });
});
