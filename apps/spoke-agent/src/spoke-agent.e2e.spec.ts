// End to end on the real hub and spoke-1, with the agent holding only the least-privilege credentials of
// deploy/spoke-agent/rbac*.yaml (RBAC is on): a ManifestWork rendered from a ManagedClusterModule becomes a Module,
// the Module becomes DaemonSets, their status (written here as the DaemonSet controller would) flows back to the hub
// as status feedback, drift is reverted, a steady state writes nothing, and deleting the work removes it all.
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { V1DaemonSet } from '@kubernetes/client-node';
import { NODE_LABELS, RESOURCES, newManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import { KubeApiError, KubeHttp, createKubeConfig } from '@kmm-hub/kube';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import { decodeManifestWorkStatus, renderManifestWork } from '@kmm-hub/manifestwork';
import { readAuditLog, type AuditEvent } from '@kmm-hub/test-env';
import {
  adminHttp,
  applyAll,
  createNamespace,
  getOrUndefined,
  loadManifests,
  manifestWorkPath,
  serviceAccountToken,
  startAgent,
  uniqueName,
  writeKubeconfig,
  type RunningAgent,
} from './spoke-agent.testing.js';
import { hubHashOf } from './clusters/hub-hash.js';
import { ManifestWorkReconciler } from './work/manifest-work.reconciler.js';
import { WorkCaches } from './work/work-caches.service.js';

const env = inject('env');
const spoke = env.spokes[0]!;
const hubAdmin = adminHttp(env.hub);
const spokeAdmin = adminHttp(spoke);
const M = RESOURCES.Module;
const AMW = RESOURCES.AppliedManifestWork;
const POLL = { timeout: 30_000, interval: 20 };
const KERNEL = '5.14.0-427.13.1.el9_4.x86_64';
const IMAGE = `registry.example/kmm/gpu@sha256:${'a1'.repeat(32)}`;
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const SPOKE_AGENT_USER = 'system:serviceaccount:kmm-spoke-agent:kmm-spoke-agent';

const agents: RunningAgent[] = [];
const nodes: string[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  for (const n of nodes.splice(0)) await spokeAdmin.json('DELETE', `/api/v1/nodes/${n}`).catch(() => undefined);
});

/** RBAC from deploy/ on both clusters, and an agent with tokens of exactly those service accounts. */
async function startLeastPrivilegeAgent(cluster: string): Promise<{ agent: RunningAgent; hubUser: string }> {
  await createNamespace(env.hub, cluster);
  await applyAll(env.hub, loadManifests('deploy/spoke-agent/rbac-hub.yaml', { CLUSTER_NAME: cluster }));
  await applyAll(spoke, [
    ...loadManifests('deploy/spoke-agent/service-account.yaml'),
    ...loadManifests('deploy/spoke-agent/rbac.yaml'),
  ]);
  const hubToken = await serviceAccountToken(env.hub, cluster, 'kmm-spoke-agent');
  const spokeToken = await serviceAccountToken(spoke, 'kmm-spoke-agent', 'kmm-spoke-agent');
  const agent = await startAgent({
    CLUSTER_NAME: cluster,
    // Other test files run agents on this spoke for the same hub: keep to our own AppliedManifestWorks.
    AGENT_ID: cluster,
    HUB_KUBECONFIG: writeKubeconfig(env.workDir, env.hub, hubToken),
    SPOKE_KUBECONFIG: writeKubeconfig(env.workDir, spoke, spokeToken),
  });
  agents.push(agent);
  return { agent, hubUser: `system:serviceaccount:${cluster}:kmm-spoke-agent` };
}

/** A Node registered by a kubelet, Ready (no not-ready taint), running KERNEL. */
async function createNode(name: string, labels: Record<string, string>): Promise<void> {
  nodes.push(name);
  await spokeAdmin.json('POST', '/api/v1/nodes', { body: { metadata: { name, labels } } });
  await spokeAdmin.json('PATCH', `/api/v1/nodes/${name}`, {
    body: { spec: { taints: null } },
    contentType: 'application/merge-patch+json',
  });
  await spokeAdmin.json('PATCH', `/api/v1/nodes/${name}/status`, {
    body: { status: { nodeInfo: { kernelVersion: KERNEL } } },
    contentType: 'application/merge-patch+json',
  });
}

async function setDaemonSetStatus(ns: string, name: string, desired: number, available: number): Promise<void> {
  await spokeAdmin.json('PATCH', `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/status`, {
    body: {
      status: {
        currentNumberScheduled: desired,
        desiredNumberScheduled: desired,
        numberMisscheduled: 0,
        numberReady: available,
        numberAvailable: available,
      },
    },
    contentType: 'application/merge-patch+json',
  });
}

/** The ManifestWork the hub controller would write for an MCM and this cluster, with KERNEL's image published. */
function renderWork(cluster: string, spokeNamespace: string, selector: Record<string, string>, parameters: string[]) {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu', uid: 'mcm-uid-1' } });
  mcm.spec.spokeNamespace = spokeNamespace;
  mcm.spec.moduleSpec.selector = selector;
  mcm.spec.moduleSpec.moduleLoader.container.modprobe = { moduleName: 'gpu_drv', parameters };
  mcm.spec.moduleSpec.devicePlugin = { container: { image: 'registry.example/kmm/gpu-plugin:1.0' } };
  const resolution = resolveManagedClusterModuleKernel(mcm, KERNEL);
  if (!resolution.ok) throw new Error(resolution.reason);
  const rendered = renderManifestWork({
    mcm,
    cluster,
    kernels: new Map([[KERNEL, { image: IMAGE, mapping: resolution.mapping }]]),
  });
  if (!rendered.ok) throw new Error(rendered.reason);
  // No ManagedClusterModule exists on this hub: drop the owner reference the hub controller would set.
  delete rendered.manifestWork.metadata.ownerReferences;
  return rendered.manifestWork;
}

const writesOf = (events: AuditEvent[], since: number) =>
  events.filter((e) => e.stage === 'ResponseComplete' && WRITES.has(e.verb) && Date.parse(e.stageTimestamp) >= since);

describe('spoke agent end to end', () => {
  it('delivers a ManifestWork as a Module and DaemonSets with least privilege, feeds status back, and writes nothing when steady', async () => {
    const cluster = uniqueName('e2e');
    const spokeNamespace = uniqueName('gpu-ns');
    const selector = { [`kmm-test/${cluster}`]: 'gpu' };
    await createNamespace(spoke, spokeNamespace);
    await createNode(`${cluster}-node`, selector);
    const { agent, hubUser } = await startLeastPrivilegeAgent(cluster);
    const started = Date.now();
    // Measure the apply latency of a running agent, not its start-up: its caches have listed both clusters.
    await expect.poll(() => agent.app.get(WorkCaches).hasSynced(), POLL).toBe(true);

    // 1. Apply: the hub writes the work, the agent creates the Module on the spoke.
    const work = renderWork(cluster, spokeNamespace, selector, ['debug=1']);
    const modulePath = `/apis/${M.group}/${M.version}/namespaces/${spokeNamespace}/${M.plural}/gpu`;
    const t0 = performance.now();
    await hubAdmin.json('POST', manifestWorkPath(cluster), { body: work });
    await expect.poll(() => getOrUndefined<Module>(spokeAdmin, modulePath), POLL).toBeDefined();
    const moduleLatencyMs = performance.now() - t0;
    await expect
      .poll(
        async () =>
          decodeManifestWorkStatus(await hubAdmin.json<ManifestWork>('GET', manifestWorkPath(cluster, 'gpu'))).applied,
        POLL,
      )
      .toBe(true);
    const appliedLatencyMs = performance.now() - t0;
    const module = await spokeAdmin.json<Module>('GET', modulePath);
    expect(module.spec?.moduleLoader?.container.kernelMappings).toEqual([
      { literal: KERNEL, containerImage: IMAGE, registryTLS: { insecure: true } },
    ]);
    expect(module.metadata.ownerReferences?.[0]).toMatchObject({
      kind: AMW.kind,
      name: `${hubHashOf(env.hub.server)}-gpu`,
    });

    // 2. The Module becomes a module-loader DaemonSet for the node's kernel and a device-plugin DaemonSet, which (as
    //    upstream's) selects only nodes labelled module-ready, so it runs nothing until the module loads.
    const loader = 'gpu-5-14-0-427-13-1-el9-4-x86-64';
    const daemonSets = async () =>
      (
        await spokeAdmin.json<{ items: V1DaemonSet[] }>('GET', `/apis/apps/v1/namespaces/${spokeNamespace}/daemonsets`)
      ).items
        .map((d) => d.metadata?.name)
        .toSorted();
    await expect.poll(daemonSets, POLL).toEqual([loader, 'gpu-device-plugin']);
    expect(
      (await spokeAdmin.json<V1DaemonSet>('GET', `/apis/apps/v1/namespaces/${spokeNamespace}/daemonsets/${loader}`))
        .spec?.template.spec?.containers[0]?.image,
    ).toBe(IMAGE);

    // 3. The loader pod is up and the device plugin follows (as the DaemonSet controller reports them): both
    //    DaemonSets' counts reach the hub through the Module status and the work's status feedback.
    await setDaemonSetStatus(spokeNamespace, loader, 1, 1);
    await setDaemonSetStatus(spokeNamespace, 'gpu-device-plugin', 1, 1);
    const feedback = async () =>
      decodeManifestWorkStatus(await hubAdmin.json<ManifestWork>('GET', manifestWorkPath(cluster, 'gpu'))).feedback;
    await expect.poll(feedback, POLL).toMatchObject({
      moduleLoader: { desired: 1, available: 1, nodesMatching: 1 },
      devicePlugin: { desired: 1, available: 1, nodesMatching: 1 },
    });

    // The node carries its device-plugin-target label (the agent's last spoke write of the convergence; nothing
    // runs pods here, so no ready labels follow).
    const nodeLabels = async () =>
      (await spokeAdmin.json<{ metadata: { labels?: Record<string, string> } }>('GET', `/api/v1/nodes/${cluster}-node`))
        .metadata.labels ?? {};
    await expect.poll(nodeLabels, POLL).toHaveProperty([NODE_LABELS.devicePluginTarget(spokeNamespace, 'gpu')], '');

    // 4. Steady state: two full re-apply passes and several status syncs later, neither cluster saw a write.
    const sut = agent.app.get(ManifestWorkReconciler);
    // The feedback above was the last write of the convergence: the hub served it, so it is audited before now.
    const steadySince = Date.now();
    for (let pass = 0; pass < 2; pass++) {
      const last = sut.lastAppliedAt('gpu') ?? 0;
      await expect.poll(() => (sut.lastAppliedAt('gpu') ?? 0) > last, POLL).toBe(true);
    }
    const steadyUntil = Date.now();
    const hubEvents = readAuditLog(env.hub.auditLogPath, { username: hubUser });
    const spokeEvents = readAuditLog(spoke.auditLogPath, { username: SPOKE_AGENT_USER });
    expect(writesOf(hubEvents, steadySince).map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(writesOf(spokeEvents, steadySince).map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    // Least privilege held: nothing the agent asked for was forbidden.
    const forbidden = [...hubEvents, ...spokeEvents].filter(
      (e) => e.responseStatus?.code === 403 && Date.parse(e.stageTimestamp) >= started,
    );
    expect(forbidden.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    console.info(
      `[spoke-agent e2e] hub work → spoke Module ${moduleLatencyMs.toFixed(0)} ms, → Applied on hub ${appliedLatencyMs.toFixed(0)} ms; ` +
        `steady ${((steadyUntil - steadySince) / 1000).toFixed(1)} s: hub writes ${writesOf(hubEvents, steadySince).length}, ` +
        `spoke writes ${writesOf(spokeEvents, steadySince).length}; writes to converge: hub ${writesOf(hubEvents, started).length}, ` +
        `spoke ${writesOf(spokeEvents, started).length}`,
    );

    // 5. A user edits the applied Module on the spoke: the next re-apply reverts it.
    await spokeAdmin.json('PATCH', modulePath, {
      body: { spec: { moduleLoader: { container: { modprobe: { parameters: ['debug=0', 'tampered=1'] } } } } },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(
        async () =>
          (await spokeAdmin.json<Module>('GET', modulePath)).spec?.moduleLoader?.container.modprobe.parameters,
        POLL,
      )
      .toEqual(['debug=1']);

    // 6. The hub changes the work: the Module follows, and so does its DaemonSet.
    await hubAdmin.json('PATCH', manifestWorkPath(cluster, 'gpu'), {
      body: { spec: renderWork(cluster, spokeNamespace, selector, ['debug=2']).spec },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(async () => {
        const ds = await spokeAdmin.json<V1DaemonSet>(
          'GET',
          `/apis/apps/v1/namespaces/${spokeNamespace}/daemonsets/${loader}`,
        );
        return ds.spec?.template.spec?.containers[0]?.lifecycle?.postStart?.exec?.command;
      }, POLL)
      .toEqual(['modprobe', '-v', '-d', '/opt', 'gpu_drv', 'debug=2']);

    // 7. Deleting the work removes the Module, and with it its DaemonSets; then the work itself goes.
    await hubAdmin.json('DELETE', manifestWorkPath(cluster, 'gpu'));
    await expect.poll(() => getOrUndefined(hubAdmin, manifestWorkPath(cluster, 'gpu')), POLL).toBeUndefined();
    expect(await getOrUndefined(spokeAdmin, modulePath)).toBeUndefined();
    await expect.poll(daemonSets, POLL).toEqual([]);
  });

  it('gives the agent no access to other clusters’ ManifestWorks on the hub', async () => {
    const cluster = uniqueName('e2e-rbac');
    const other = uniqueName('e2e-other');
    await createNamespace(env.hub, other);
    await createNamespace(env.hub, cluster);
    await applyAll(env.hub, loadManifests('deploy/spoke-agent/rbac-hub.yaml', { CLUSTER_NAME: cluster }));
    const token = await serviceAccountToken(env.hub, cluster, 'kmm-spoke-agent');
    const http = new KubeHttp(
      createKubeConfig({ kind: 'token', name: 'hub', server: env.hub.server, token, caPem: env.hub.caPem }),
    );
    // Allowed (retried: right after start-up the API server may still answer 429 while its storage initializes).
    await expect
      .poll(
        () =>
          http.json('GET', manifestWorkPath(cluster)).then(
            () => 'ok',
            (e: unknown) => String(e),
          ),
        POLL,
      )
      .toBe('ok');
    for (const request of [
      () => http.json('GET', manifestWorkPath(other)),
      () => http.json('GET', '/apis/work.open-cluster-management.io/v1/manifestworks'),
      () => http.json('POST', manifestWorkPath(cluster), { body: renderWork(cluster, 'x', {}, []) }),
      () => http.json('DELETE', manifestWorkPath(cluster, 'anything')),
      () => http.json('GET', `/api/v1/namespaces/${cluster}/secrets`),
    ]) {
      await expect(request()).rejects.toSatisfy((err: unknown) => err instanceof KubeApiError && err.status === 403);
    }
  });
});
