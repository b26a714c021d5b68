// The OCM work-agent scenarios (open-cluster-management-io/ocm test/integration/work/) that apply to our agent, against
// the real hub and spoke-1 API servers.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { FINALIZERS, RESOURCES, type AppliedManifestWork, type ManifestWork } from '@kmm-hub/api';
import { KubeApiError } from '@kmm-hub/kube';
import { widgetCustomResourceDefinition } from '@kmm-hub/test-env';
import {
  adminHttp,
  conditionOf,
  configMap,
  createNamespace,
  getOrUndefined,
  manifestWorkPath,
  newManifestWork,
  startAgent,
  uniqueName,
  type RunningAgent,
} from '../spoke-agent.testing.js';
import { hubHashOf } from '../clusters/hub-hash.js';
import { ManifestWorkReconciler } from './manifest-work.reconciler.js';

const env = inject('env');
const spoke = env.spokes[0]!;
const hub = adminHttp(env.hub);
const spokeHttp = adminHttp(spoke);
const hubHash = hubHashOf(env.hub.server);
const AMW = RESOURCES.AppliedManifestWork;
const POLL = { timeout: 20_000, interval: 100 };

const agents: RunningAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

/** A cluster namespace on the hub, the same namespace on the spoke, and an agent for it (admin credentials). */
async function setup(prefix: string): Promise<{ cluster: string; agent: RunningAgent }> {
  const cluster = uniqueName(prefix);
  await createNamespace(env.hub, cluster);
  await createNamespace(spoke, cluster);
  const agent = await startAgent({
    CLUSTER_NAME: cluster,
    AGENT_ID: cluster,
    HUB_KUBECONFIG: env.hub.kubeconfigPath,
    SPOKE_KUBECONFIG: spoke.kubeconfigPath,
    MODULE_RECONCILER: 'false',
  });
  agents.push(agent);
  return { cluster, agent };
}

const getWork = (cluster: string, name: string) => getOrUndefined<ManifestWork>(hub, manifestWorkPath(cluster, name));
const getApplied = (name: string) =>
  getOrUndefined<AppliedManifestWork>(spokeHttp, `/apis/${AMW.group}/${AMW.version}/${AMW.plural}/${hubHash}-${name}`);
const getConfigMap = (ns: string, name: string) =>
  getOrUndefined<V1ConfigMap>(spokeHttp, `/api/v1/namespaces/${ns}/configmaps/${name}`);

async function createWork(work: ManifestWork): Promise<void> {
  await hub.json('POST', manifestWorkPath(work.metadata.namespace ?? ''), { body: work });
}

async function patchWork(cluster: string, name: string, body: unknown, type = 'application/merge-patch+json') {
  await hub.json('PATCH', manifestWorkPath(cluster, name), { body, contentType: type });
}

/** The work-level condition of a type, only when it describes the current generation. */
async function workCondition(cluster: string, name: string, type: string) {
  const work = await getWork(cluster, name);
  const c = conditionOf(work?.status?.conditions, type);
  return c?.observedGeneration === work?.metadata.generation ? `${c?.status}:${c?.reason}` : undefined;
}

describe('ManifestWork apply', () => {
  it('adds its finalizer, records an AppliedManifestWork, applies Namespaces first and reports Applied and Available', async () => {
    const { cluster } = await setup('mw-apply');
    const ns = `${cluster}-app`;
    // The ConfigMap comes first in the spec but lives in the Namespace that comes second: kind order must apply it.
    await createWork(
      newManifestWork(cluster, 'app', [
        configMap(ns, 'settings', { level: 'debug' }),
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      ]),
    );
    await expect.poll(() => workCondition(cluster, 'app', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    await expect.poll(() => workCondition(cluster, 'app', 'Available'), POLL).toBe('True:ResourcesAvailable');

    const work = await getWork(cluster, 'app');
    expect(work?.metadata.finalizers).toContain(FINALIZERS.ocmManifestWorkCleanup);
    const manifests = work?.status?.resourceStatus?.manifests ?? [];
    expect(manifests.map((m) => m.resourceMeta)).toEqual([
      {
        ordinal: 0,
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        resource: 'configmaps',
        namespace: ns,
        name: 'settings',
      },
      { ordinal: 1, group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespace: '', name: ns },
    ]);
    for (const m of manifests) {
      expect(m.conditions.map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`)).toEqual([
        `Applied=True/AppliedManifestComplete@${work?.metadata.generation}`,
        `Available=True/ResourceAvailable@${work?.metadata.generation}`,
        `StatusFeedbackSynced=True/NoStatusFeedbackSynced@${work?.metadata.generation}`,
      ]);
    }

    const applied = await getApplied('app');
    expect(applied?.spec).toEqual({ hubHash, agentID: cluster, manifestWorkName: 'app' });
    expect(applied?.metadata.finalizers).toEqual([FINALIZERS.ocmAppliedManifestWorkCleanup]);
    const cm = await getConfigMap(ns, 'settings');
    expect(cm?.data).toEqual({ level: 'debug' });
    expect(cm?.metadata?.ownerReferences).toEqual([
      { apiVersion: AMW.apiVersion, kind: AMW.kind, name: applied?.metadata.name, uid: applied?.metadata.uid },
    ]);
    expect(applied?.status?.appliedResources?.map((r) => `${r.resource}/${r.namespace}/${r.name}`)).toEqual([
      `configmaps/${ns}/settings`,
      `namespaces//${ns}`,
    ]);
  });

  it('updates on a spec change, moving observedGeneration and lastTransitionTime, and keeps labels others added', async () => {
    const { cluster } = await setup('mw-update');
    await createWork(newManifestWork(cluster, 'cfg', [configMap(cluster, 'cfg', { v: '1' })]));
    await expect.poll(() => workCondition(cluster, 'cfg', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    const before = conditionOf((await getWork(cluster, 'cfg'))?.status?.conditions, 'Applied');
    await spokeHttp.json('PATCH', `/api/v1/namespaces/${cluster}/configmaps/cfg`, {
      body: { metadata: { labels: { 'added-on-spoke': 'yes' } } },
      contentType: 'application/merge-patch+json',
    });

    // metav1.Time has whole seconds: make sure the new condition cannot share the old second.
    await expect.poll(() => Date.now() >= Date.parse(before?.lastTransitionTime ?? '') + 1000, POLL).toBe(true);
    await patchWork(cluster, 'cfg', { spec: { workload: { manifests: [configMap(cluster, 'cfg', { v: '2' })] } } });
    await expect.poll(async () => (await getConfigMap(cluster, 'cfg'))?.data?.['v'], POLL).toBe('2');
    await expect.poll(() => workCondition(cluster, 'cfg', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    const after = conditionOf((await getWork(cluster, 'cfg'))?.status?.conditions, 'Applied');
    expect(after?.observedGeneration).toBe((before?.observedGeneration ?? 0) + 1);
    expect(after?.lastTransitionTime).not.toBe(before?.lastTransitionTime);
    expect((await getConfigMap(cluster, 'cfg'))?.metadata?.labels?.['added-on-spoke']).toBe('yes');
  });

  it('reverts drift on the spoke at the next re-apply without writing when nothing drifted', async () => {
    const { cluster, agent } = await setup('mw-drift');
    const sut = agent.app.get(ManifestWorkReconciler);
    await createWork(newManifestWork(cluster, 'drift', [configMap(cluster, 'drift', { mode: 'safe' })]));
    await expect.poll(async () => (await getConfigMap(cluster, 'drift'))?.data?.['mode'], POLL).toBe('safe');
    const steady = (await getConfigMap(cluster, 'drift'))?.metadata?.resourceVersion;
    // Two more re-apply passes (every 2–3 s here) without drift: the object is not written again.
    for (let pass = 0; pass < 2; pass++) {
      const last = sut.lastAppliedAt('drift') ?? 0;
      await expect.poll(() => (sut.lastAppliedAt('drift') ?? 0) > last, POLL).toBe(true);
    }
    expect((await getConfigMap(cluster, 'drift'))?.metadata?.resourceVersion).toBe(steady);

    await spokeHttp.json('PATCH', `/api/v1/namespaces/${cluster}/configmaps/drift`, {
      body: { data: { mode: 'unsafe', extra: 'x' } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(async () => (await getConfigMap(cluster, 'drift'))?.data, POLL).toEqual({ mode: 'safe' });
  });

  it('reports a kind the spoke does not serve as Applied=False and the rest as applied', async () => {
    const { cluster } = await setup('mw-unknown');
    await createWork(
      newManifestWork(cluster, 'mixed', [
        { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: cluster } },
        configMap(cluster, 'ok', { a: 'b' }),
      ]),
    );
    await expect.poll(() => workCondition(cluster, 'mixed', 'Applied'), POLL).toBe('False:AppliedManifestWorkFailed');
    const work = await getWork(cluster, 'mixed');
    const [widget, ok] = work?.status?.resourceStatus?.manifests ?? [];
    expect(widget?.resourceMeta).toMatchObject({ ordinal: 0, kind: 'Widget', resource: '' });
    expect(conditionOf(widget?.conditions, 'Applied')?.message).toContain("doesn't have a resource type Widget");
    expect(conditionOf(widget?.conditions, 'Available')?.reason).toBe('IncompleteResourceMeta');
    expect(conditionOf(ok?.conditions, 'Applied')?.status).toBe('True');
    expect(await workCondition(cluster, 'mixed', 'Available')).toBe('Unknown:ResourcesStatusUnknown');
  });
  it('applies a CRD and a resource of it from one work, retrying the resource until the CRD is served', async () => {
    const { cluster } = await setup('mw-crd');
    const group = `${cluster}.example.com`;
    const crd = widgetCustomResourceDefinition(group);
    const widget = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w', namespace: cluster },
      spec: { size: 3 },
    };
    await createWork(newManifestWork(cluster, 'crd', [widget, crd]));
    await expect.poll(() => workCondition(cluster, 'crd', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    expect(
      (await spokeHttp.json<{ spec: unknown }>('GET', `/apis/${group}/v1/namespaces/${cluster}/widgets/w`)).spec,
    ).toEqual({ size: 3 });

    await hub.json('DELETE', manifestWorkPath(cluster, 'crd'));
    await expect.poll(() => getWork(cluster, 'crd'), POLL).toBeUndefined();
    await expect(
      spokeHttp.json('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`),
    ).rejects.toBeInstanceOf(KubeApiError);
  });
});

describe('ManifestWork removal and deletion', () => {
  it('deletes a manifest dropped from the work and forgets it in the AppliedManifestWork', async () => {
    const { cluster } = await setup('mw-drop');
    await createWork(
      newManifestWork(cluster, 'two', [configMap(cluster, 'a', { x: '1' }), configMap(cluster, 'b', { x: '2' })]),
    );
    await expect.poll(async () => (await getApplied('two'))?.status?.appliedResources?.length, POLL).toBe(2);
    await patchWork(cluster, 'two', { spec: { workload: { manifests: [configMap(cluster, 'a', { x: '1' })] } } });
    await expect.poll(() => getConfigMap(cluster, 'b'), POLL).toBeUndefined();
    await expect
      .poll(async () => (await getApplied('two'))?.status?.appliedResources?.map((r) => r.name), POLL)
      .toEqual(['a']);
    expect(await getConfigMap(cluster, 'a')).toBeDefined();
  });

  it('Foreground: deleting the work deletes what it applied, then the AppliedManifestWork, then the work', async () => {
    const { cluster } = await setup('mw-fg');
    await createWork(newManifestWork(cluster, 'fg', [configMap(cluster, 'fg', { x: '1' })]));
    await expect.poll(async () => (await getApplied('fg'))?.status?.appliedResources?.length, POLL).toBe(1);
    await hub.json('DELETE', manifestWorkPath(cluster, 'fg'));
    await expect.poll(() => getWork(cluster, 'fg'), POLL).toBeUndefined();
    expect(await getConfigMap(cluster, 'fg')).toBeUndefined();
    expect(await getApplied('fg')).toBeUndefined();
  });

  it('Orphan: switching to it strips the work ownership, and deleting the work then leaves what it applied', async () => {
    const { cluster } = await setup('mw-orphan');
    await createWork(newManifestWork(cluster, 'orphan', [configMap(cluster, 'kept', { x: '1' })]));
    await expect
      .poll(async () => (await getConfigMap(cluster, 'kept'))?.metadata?.ownerReferences?.length, POLL)
      .toBe(1);
    await patchWork(cluster, 'orphan', { spec: { deleteOption: { propagationPolicy: 'Orphan' } } });
    await expect
      .poll(async () => (await getConfigMap(cluster, 'kept'))?.metadata?.ownerReferences, POLL)
      .toBeUndefined();
    await hub.json('DELETE', manifestWorkPath(cluster, 'orphan'));
    await expect.poll(() => getWork(cluster, 'orphan'), POLL).toBeUndefined();
    expect((await getConfigMap(cluster, 'kept'))?.data).toEqual({ x: '1' });
    expect(await getApplied('orphan')).toBeUndefined();
  });

  it('SelectivelyOrphan: keeps the listed resource and deletes the others', async () => {
    const { cluster } = await setup('mw-selective');
    await createWork(
      newManifestWork(
        cluster,
        'sel',
        [configMap(cluster, 'keep', { x: '1' }), configMap(cluster, 'drop', { x: '2' })],
        {
          deleteOption: {
            propagationPolicy: 'SelectivelyOrphan',
            selectivelyOrphans: {
              orphaningRules: [{ group: '', resource: 'configmaps', namespace: cluster, name: 'keep' }],
            },
          },
        },
      ),
    );
    await expect.poll(() => workCondition(cluster, 'sel', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    expect((await getConfigMap(cluster, 'keep'))?.metadata?.ownerReferences).toBeUndefined();
    expect((await getConfigMap(cluster, 'drop'))?.metadata?.ownerReferences).toHaveLength(1);
    await hub.json('DELETE', manifestWorkPath(cluster, 'sel'));
    await expect.poll(() => getWork(cluster, 'sel'), POLL).toBeUndefined();
    expect(await getConfigMap(cluster, 'drop')).toBeUndefined();
    expect(await getConfigMap(cluster, 'keep')).toBeDefined();
  });

  it('keeps an object two works apply until the second lets go, each owning it through its AppliedManifestWork', async () => {
    const { cluster } = await setup('mw-shared');
    const shared = configMap(cluster, 'shared', { x: '1' });
    await createWork(newManifestWork(cluster, 'one', [shared]));
    await createWork(newManifestWork(cluster, 'other', [shared]));
    await expect
      .poll(async () => (await getConfigMap(cluster, 'shared'))?.metadata?.ownerReferences?.length, POLL)
      .toBe(2);

    await hub.json('DELETE', manifestWorkPath(cluster, 'one'));
    await expect.poll(() => getWork(cluster, 'one'), POLL).toBeUndefined();
    const other = await getApplied('other');
    expect((await getConfigMap(cluster, 'shared'))?.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([
      other?.metadata.uid,
    ]);

    await hub.json('DELETE', manifestWorkPath(cluster, 'other'));
    await expect.poll(() => getConfigMap(cluster, 'shared'), POLL).toBeUndefined();
  });

  it('evicts an AppliedManifestWork whose work vanished from the hub while the agent was away, after the grace period', async () => {
    const { cluster, agent } = await setup('mw-evict');
    await createWork(newManifestWork(cluster, 'gone', [configMap(cluster, 'gone', { x: '1' })]));
    await expect.poll(async () => (await getApplied('gone'))?.status?.appliedResources?.length, POLL).toBe(1);
    // While the agent is down, a hub admin force-deletes the work: the agent never sees it terminate.
    await agent.stop();
    await patchWork(cluster, 'gone', { metadata: { finalizers: null } });
    await hub.json('DELETE', manifestWorkPath(cluster, 'gone'));
    await expect.poll(() => getWork(cluster, 'gone'), POLL).toBeUndefined();

    agents.push(
      await startAgent({
        CLUSTER_NAME: cluster,
        AGENT_ID: cluster,
        HUB_KUBECONFIG: env.hub.kubeconfigPath,
        SPOKE_KUBECONFIG: spoke.kubeconfigPath,
        MODULE_RECONCILER: 'false',
        EVICTION_GRACE_SECONDS: '2',
      }),
    );
    await expect.poll(async () => (await getApplied('gone'))?.status?.evictionStartTime, POLL).toBeDefined();
    expect(await getConfigMap(cluster, 'gone')).toBeDefined();
    await expect.poll(() => getConfigMap(cluster, 'gone'), POLL).toBeUndefined();
    await expect.poll(() => getApplied('gone'), POLL).toBeUndefined();
  });
});

describe('update strategies', () => {
  it('CreateOnly creates once and never updates the content', async () => {
    const { cluster } = await setup('mw-create-only');
    const configs = [
      {
        resourceIdentifier: { group: '', resource: 'configmaps', namespace: cluster, name: '*' },
        updateStrategy: { type: 'CreateOnly' as const },
      },
    ];
    await createWork(
      newManifestWork(cluster, 'once', [configMap(cluster, 'once', { v: '1' })], { manifestConfigs: configs }),
    );
    await expect.poll(async () => (await getConfigMap(cluster, 'once'))?.data?.['v'], POLL).toBe('1');
    await patchWork(cluster, 'once', { spec: { workload: { manifests: [configMap(cluster, 'once', { v: '2' })] } } });
    await expect.poll(() => workCondition(cluster, 'once', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    expect((await getConfigMap(cluster, 'once'))?.data?.['v']).toBe('1');
  });

  it('ServerSideApply applies with its field manager, and a conflict with another manager is Applied=False until forced', async () => {
    const { cluster } = await setup('mw-ssa');
    await spokeHttp.json('PATCH', `/api/v1/namespaces/${cluster}/configmaps/ssa?fieldManager=someone-else`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { owner: 'someone-else' } },
      contentType: 'application/apply-patch+yaml',
    });
    const ssa = (force: boolean) => [
      {
        resourceIdentifier: { group: '', resource: 'configmaps', namespace: cluster, name: 'ssa' },
        updateStrategy: {
          type: 'ServerSideApply' as const,
          serverSideApply: { fieldManager: 'work-agent-test', force },
        },
      },
    ];
    await createWork(
      newManifestWork(cluster, 'ssa', [configMap(cluster, 'ssa', { owner: 'work' })], { manifestConfigs: ssa(false) }),
    );
    await expect.poll(() => workCondition(cluster, 'ssa', 'Applied'), POLL).toBe('False:AppliedManifestWorkFailed');
    const manifest = (await getWork(cluster, 'ssa'))?.status?.resourceStatus?.manifests?.[0];
    expect(conditionOf(manifest?.conditions, 'Applied')?.message).toMatch(/conflict/i);

    await patchWork(cluster, 'ssa', { spec: { manifestConfigs: ssa(true) } });
    await expect.poll(() => workCondition(cluster, 'ssa', 'Applied'), POLL).toBe('True:AppliedManifestWorkComplete');
    const cm = await getConfigMap(cluster, 'ssa');
    expect(cm?.data).toEqual({ owner: 'work' });
    expect(cm?.metadata?.managedFields?.map((f) => f.manager)).toContain('work-agent-test');
  });
});

describe('status feedback', () => {
  it('reports JSONPaths and well-known values with OCM types and re-stamps StatusFeedbackSynced when they change', async () => {
    const { cluster } = await setup('mw-feedback');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: cluster },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    };
    await createWork(
      newManifestWork(cluster, 'fb', [deployment], {
        manifestConfigs: [
          {
            resourceIdentifier: { group: 'apps', resource: 'deployments', namespace: cluster, name: 'web' },
            feedbackRules: [
              { type: 'WellKnownStatus' },
              {
                type: 'JSONPaths',
                jsonPaths: [
                  { name: 'replicas', path: '.spec.replicas' },
                  { name: 'image', path: '.spec.template.spec.containers[0].image' },
                  { name: 'paused', path: '.spec.paused' },
                  { name: 'missing', path: '.status.nothingHere' },
                ],
              },
            ],
          },
        ],
      }),
    );
    await expect
      .poll(
        async () => (await getWork(cluster, 'fb'))?.status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values,
        POLL,
      )
      .toEqual([
        { name: 'replicas', fieldValue: { type: 'Integer', integer: 2 } },
        { name: 'image', fieldValue: { type: 'String', string: 'nginx' } },
      ]);
    const synced = conditionOf(
      (await getWork(cluster, 'fb'))?.status?.resourceStatus?.manifests?.[0]?.conditions,
      'StatusFeedbackSynced',
    );
    expect(synced).toMatchObject({ status: 'True', reason: 'StatusFeedbackSynced' });

    // No kubelet or controller: the test plays the Deployment controller through the status subresource.
    await expect.poll(() => Date.now() >= Date.parse(synced?.lastTransitionTime ?? '') + 1000, POLL).toBe(true);
    await spokeHttp.json('PATCH', `/apis/apps/v1/namespaces/${cluster}/deployments/web/status`, {
      body: { status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 } },
      contentType: 'application/merge-patch+json',
    });
    await expect
      .poll(
        async () => (await getWork(cluster, 'fb'))?.status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values,
        POLL,
      )
      .toEqual([
        { name: 'ReadyReplicas', fieldValue: { type: 'Integer', integer: 1 } },
        { name: 'Replicas', fieldValue: { type: 'Integer', integer: 2 } },
        { name: 'AvailableReplicas', fieldValue: { type: 'Integer', integer: 1 } },
        { name: 'replicas', fieldValue: { type: 'Integer', integer: 2 } },
        { name: 'image', fieldValue: { type: 'String', string: 'nginx' } },
      ]);
    const moved = conditionOf(
      (await getWork(cluster, 'fb'))?.status?.resourceStatus?.manifests?.[0]?.conditions,
      'StatusFeedbackSynced',
    );
    expect(moved?.lastTransitionTime).not.toBe(synced?.lastTransitionTime);
  });

  it('reports a structured value as StatusFeedbackSyncFailed, keeping the values it could read', async () => {
    const { cluster } = await setup('mw-fb-error');
    await createWork(
      newManifestWork(cluster, 'fberr', [configMap(cluster, 'c', { k: 'v' })], {
        manifestConfigs: [
          {
            resourceIdentifier: { group: '', resource: 'configmaps', namespace: cluster, name: 'c' },
            feedbackRules: [
              {
                type: 'JSONPaths',
                jsonPaths: [
                  { name: 'all', path: '.data' },
                  { name: 'k', path: '.data.k' },
                ],
              },
            ],
          },
        ],
      }),
    );
    await expect
      .poll(async () => {
        const m = (await getWork(cluster, 'fberr'))?.status?.resourceStatus?.manifests?.[0];
        return [conditionOf(m?.conditions, 'StatusFeedbackSynced')?.reason, m?.statusFeedback?.values];
      }, POLL)
      .toEqual(['StatusFeedbackSyncFailed', [{ name: 'k', fieldValue: { type: 'String', string: 'v' } }]]);
  });
});

describe(ManifestWorkReconciler.name, () => {
  it('forgets a work once it and its AppliedManifestWork are gone', async () => {
    const { cluster, agent } = await setup('mw-forget');
    const sut = agent.app.get(ManifestWorkReconciler);
    await createWork(newManifestWork(cluster, 'short', [configMap(cluster, 'short', { x: '1' })]));
    await expect.poll(() => sut.remembered, POLL).toBe(1);
    await hub.json('DELETE', manifestWorkPath(cluster, 'short'));
    await expect.poll(() => getWork(cluster, 'short'), POLL).toBeUndefined();
    await expect.poll(() => sut.remembered, POLL).toBe(0);
    await expect(hub.json('GET', manifestWorkPath(cluster, 'short'))).rejects.toBeInstanceOf(KubeApiError);
  });
});
