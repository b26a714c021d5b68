import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { HUB_KUBECONFIG_SECRET_SUFFIX, POLICY_NAMESPACE } from '../../deploy/scripts/generate.mjs';
import {
  BASES,
  POLICY_BUNDLES,
  findObject,
  loadBase,
  objectTemplates,
  type KubeObject,
  type Policy,
} from './deploy-files.js';
import { ClusterClient } from './cluster-client.js';
import { enforceMustHave, type MustHaveDecision } from './enforce-musthave.js';
import { hasHubTemplate, resolveHubTemplates } from './resolve-hub-templates.js';

const env = inject('env');
const hub = new ClusterClient(clusterKubeConfig(env.hub));
// The last spoke: the manifests test installs the agent base on the first one.
const spokeInfo = env.spokes.at(-1)!;
const spoke = new ClusterClient(clusterKubeConfig(spokeInfo));

/** What the hub would hold for this spoke: the credential the rollout policy copies, as an administrator made it. */
const HUB_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: hub, cluster: { server: '${env.hub.server}' } }]
users: [{ name: agent, user: { token: not-a-real-token } }]
contexts: [{ name: hub, context: { cluster: hub, user: agent } }]
current-context: hub
`;

async function loadPolicy(bundle: string, name: string): Promise<Policy> {
  return findObject<Policy>(await loadBase(bundle), 'Policy', name);
}

/** The object templates as the spoke receives them: hub templates resolved for this cluster, from the real hub. */
async function templatesFor(policy: Policy): Promise<KubeObject[]> {
  return resolveHubTemplates(
    objectTemplates(policy).map((t) => t.objectDefinition),
    {
      managedClusterName: spokeInfo.name,
      readSecretKey: async (namespace, name, key) => {
        const secret = await hub.get({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } });
        return (secret?.['data'] as Record<string, string> | undefined)?.[key];
      },
    },
  );
}

/** One evaluation of the ConfigurationPolicy under enforce: each template in order, decided and applied. */
async function enforce(templates: KubeObject[]): Promise<MustHaveDecision['action'][]> {
  const actions: MustHaveDecision['action'][] = [];
  for (const template of templates) {
    const decision = enforceMustHave(template, await spoke.get(template));
    if (decision.action !== 'none') await spoke.apply(decision.object);
    actions.push(decision.action);
  }
  return actions;
}

describe('deploy/policies on a real hub API server', () => {
  it.each(POLICY_BUNDLES)('the hub accepts %s applied server-side', async (bundle) => {
    const objects = await loadBase(bundle);

    const applied = await hub.applyAll(objects);

    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
    );
    for (const o of applied) expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the spoke agent rollout policy, enforced on a real spoke API server', () => {
  let templates: KubeObject[];
  beforeAll(async () => {
    const policy = await loadPolicy(BASES.spokeAgentPlacement, 'kmm-spoke-agent');
    await hub.applyAll(await loadBase('deploy/policies/namespace'));
    await hub.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${spokeInfo.name}${HUB_KUBECONFIG_SECRET_SUFFIX}`, namespace: POLICY_NAMESPACE },
      data: { kubeconfig: Buffer.from(HUB_KUBECONFIG).toString('base64') },
    });
    templates = await templatesFor(policy);
  });

  it('creates or updates every object, then finds all of them compliant', async () => {
    expect(hasHubTemplate(templates)).toBe(false);

    await enforce(templates);

    for (const t of templates) expect(await spoke.get(t), `${t.kind} ${t.metadata.name}`).toBeDefined();
    // Server defaults and other fields the API server adds do not make a musthave template non-compliant.
    expect(await enforce(templates)).toEqual(templates.map(() => 'none'));
  });

  it('gives the agent its cluster name and the hub kubeconfig, and runs the Deployment of deploy/spoke-agent', async () => {
    await enforce(templates);
    const base = await loadBase(BASES.spokeAgent);

    const secret = await spoke.get({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kmm-hub-kubeconfig', namespace: 'kmm-spoke-agent' },
    });
    const data = secret?.['data'] as Record<string, string>;
    expect(Buffer.from(data['cluster-name'] ?? '', 'base64').toString()).toBe(spokeInfo.name);
    expect(Buffer.from(data['kubeconfig'] ?? '', 'base64').toString()).toBe(HUB_KUBECONFIG);
    const deployment = findObject(base, 'Deployment', 'kmm-spoke-agent');
    expect(enforceMustHave(deployment, await spoke.get(deployment))).toEqual({ action: 'none' });
  });

  it('puts a drifted agent Deployment back as the policy says', async () => {
    await enforce(templates);
    const deployment = findObject(templates, 'Deployment', 'kmm-spoke-agent');
    const drifted = structuredClone(deployment) as KubeObject & {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    drifted.spec.replicas = 0;
    drifted.spec.template.spec.containers[0]!.image = 'kmm-spoke-agent:tampered';
    await new ClusterClient(clusterKubeConfig(spokeInfo), 'someone-else').apply(drifted);

    const decision = enforceMustHave(deployment, await spoke.get(deployment));
    expect(decision.action).toBe('update');
    await enforce(templates);

    const restored = (await spoke.get(deployment)) as typeof drifted;
    expect(restored.spec.replicas).toBe(1);
    expect(restored.spec.template.spec.containers[0]!.image).toBe('kmm-spoke-agent:0.1.0');
  });
});

describe('the work agent Module policy, enforced on a real spoke API server', () => {
  it('lets the klusterlet work agent service account manage Modules and nothing more', async () => {
    const policy = await loadPolicy(BASES.workAgentPlacement, 'kmm-work-agent-modules');
    const templates = await templatesFor(policy);

    await enforce(templates);

    expect(await enforce(templates)).toEqual(templates.map(() => 'none'));
    const workAgent = 'open-cluster-management-agent/klusterlet-work-sa';
    const modules = { group: 'kmm.sigs.x-k8s.io', resource: 'modules', namespace: 'gpu' };
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
      expect(await spoke.serviceAccountCan(workAgent, { verb, ...modules }), verb).toBe(true);
    }
    expect(await spoke.serviceAccountCan(workAgent, { verb: 'update', ...modules, subresource: 'status' })).toBe(false);
    expect(await spoke.serviceAccountCan(workAgent, { verb: 'create', group: 'apps', resource: 'daemonsets' })).toBe(
      false,
    );
  });
});
