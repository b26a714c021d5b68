import { readdir, readFile } from 'node:fs/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { KubeApiError, KubeHttp, ResourcePaths, type KubeClientConfig } from '@kmm-hub/kube';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { findObject, loadBase, type KubeObject, type Policy } from './deploy-files.js';
import { ClusterClient, FIELD_MANAGER } from './cluster-client.js';
import { KMM_OPERATOR_BUNDLES, operatorPolicyObjects, type OperatorPolicy } from './operator-policy.js';

const env = inject('env');
const spokeInfo = env.spokes.at(-1)!;
const hubConfig = clusterKubeConfig(env.hub);
const spokeConfig = clusterKubeConfig(spokeInfo);
const spoke = new ClusterClient(spokeConfig);
// OLM's and the config-policy-controller's own CRDs, vendored from upstream (see each file's first lines).
const VENDORED_CRDS = new URL('fixtures/crds/', import.meta.url);

/**
 * Server-side apply that fails on any field the schema does not know (kubectl's default, `--validate=strict`), where
 * the API server's default (Warn) would drop it silently.
 */
async function applyStrict(kc: KubeClientConfig, object: KubeObject): Promise<KubeObject> {
  const http = new KubeHttp(kc);
  const path = await new ResourcePaths(http).path({
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  });
  return http.json<KubeObject>('PATCH', path, {
    query: { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict' },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}

async function vendoredCrds(): Promise<KubernetesObject[]> {
  const names = (await readdir(VENDORED_CRDS)).filter((n) => n.endsWith('.yaml')).toSorted();
  return Promise.all(
    names.map(async (n) => parse(await readFile(new URL(n, VENDORED_CRDS), 'utf8')) as KubernetesObject),
  );
}

/** Every object the spoke gets: the policy templates themselves (in the cluster's namespace) and what they make. */
function spokeObjects(policy: Policy): { templates: KubeObject[]; made: KubeObject[] } {
  const templates = policy.spec['policy-templates'].map((t): KubeObject => ({
    ...t.objectDefinition,
    metadata: { ...t.objectDefinition.metadata, namespace: spokeInfo.name },
  }));
  const made = templates.flatMap((t) =>
    t.kind === 'OperatorPolicy'
      ? operatorPolicyObjects(t as OperatorPolicy)
      : (t['spec'] as { 'object-templates': { objectDefinition: KubeObject }[] })['object-templates'].map(
          (o) => o.objectDefinition,
        ),
  );
  return { templates, made };
}

beforeAll(async () => {
  const crds = await vendoredCrds();
  expect(crds.map((c) => c.metadata?.name)).toEqual([
    'operatorgroups.operators.coreos.com',
    'subscriptions.operators.coreos.com',
    'operatorpolicies.policy.open-cluster-management.io',
  ]);
  await spoke.applyAll(crds as KubeObject[]);
  await spoke.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: spokeInfo.name } });
});

describe.each(Object.entries(KMM_OPERATOR_BUNDLES))('the KMM operator policy, %s form', (_form, bundle) => {
  let objects: KubeObject[];
  let policy: Policy;
  beforeAll(async () => {
    objects = await loadBase(bundle);
    policy = findObject<Policy>(objects, 'Policy', 'kmm-operator');
  });

  it('is accepted by the hub with strict field validation, Placement and PlacementBinding included', async () => {
    const applied = [];
    for (const o of objects) applied.push(await applyStrict(hubConfig, o));

    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
    );
  });

  it('gives the spoke policy templates and OLM objects its CRDs accept with strict field validation', async () => {
    const { templates, made } = spokeObjects(policy);

    for (const o of [...templates, ...made]) {
      const applied = await applyStrict(spokeConfig, o);
      expect(applied.metadata.uid, `${o.kind} ${o.metadata.name}`).toMatch(/^[0-9a-f-]{36}$/);
    }
    const subscription = findObject(made, 'Subscription', 'kernel-module-management');
    expect((await spoke.get(subscription))?.['spec']).toEqual(subscription['spec']);
  });

  it('lets the klusterlet work agent manage the Modules KMM-Hub sends', async () => {
    for (const o of spokeObjects(policy).made) await applyStrict(spokeConfig, o);

    const modules = { group: 'kmm.sigs.x-k8s.io', resource: 'modules', namespace: 'gpu' };
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
      expect(
        await spoke.serviceAccountCan('open-cluster-management-agent/klusterlet-work-sa', { verb, ...modules }),
      ).toBe(true);
    }
  });
});

describe('strict field validation on the vendored CRDs', () => {
  it('rejects a Subscription field OLM does not define', async () => {
    const typo = {
      apiVersion: 'operators.coreos.com/v1alpha1',
      kind: 'Subscription',
      metadata: { name: 'typo', namespace: spokeInfo.name },
      spec: { name: 'kernel-module-management', source: 'redhat-operators', sourceNamespace: 'x', chanel: 'stable' },
    };

    const err = await applyStrict(spokeConfig, typo).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(KubeApiError);
    expect(String((err as Error).message)).toContain('spec.chanel');
  });

  it('rejects an OperatorPolicy without upgradeApproval', async () => {
    const operatorPolicy = findObject<Policy>(
      await loadBase(KMM_OPERATOR_BUNDLES.operatorPolicy),
      'Policy',
      'kmm-operator',
    )
      .spec['policy-templates'].map((t) => t.objectDefinition)
      .find((o) => o.kind === 'OperatorPolicy') as OperatorPolicy;
    const { upgradeApproval: _, ...spec } = operatorPolicy.spec;

    const err = await applyStrict(spokeConfig, {
      ...operatorPolicy,
      metadata: { name: 'no-approval', namespace: spokeInfo.name },
      spec,
    }).catch((e: unknown) => e);

    expect(String((err as Error).message)).toContain('upgradeApproval');
  });
});
