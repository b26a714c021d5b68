import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_NAMESPACE } from '../../deploy/scripts/generate.mjs';
import { findObject, loadBase, type KubeObject, type Policy } from './deploy-files.js';
import { KMM_OPERATOR_BUNDLES, operatorPolicyObjects, type OperatorPolicy } from './operator-policy.js';

type Template = { complianceType: string; objectDefinition: KubeObject };
type Binding = KubeObject & {
  placementRef: { kind: string; name: string };
  subjects: { kind: string; name: string }[];
};

const bundles = new Map<string, KubeObject[]>();
const templatesOf = (policy: Policy) => policy.spec['policy-templates'].map((t) => t.objectDefinition);
const objectsOf = (config: KubeObject) =>
  ((config['spec'] as { 'object-templates': Template[] })['object-templates'] ?? []).map((t) => t.objectDefinition);
const policyIn = (bundle: string) => findObject<Policy>(bundles.get(bundle)!, 'Policy', 'kmm-operator');

/** What the KMM operator is on a spoke, by the product documentation ("Running KMM on the spoke"). */
const DOCUMENTED_SUBSCRIPTION = {
  apiVersion: 'operators.coreos.com/v1alpha1',
  kind: 'Subscription',
  metadata: { name: 'kernel-module-management', namespace: 'openshift-kmm' },
  spec: {
    channel: 'stable',
    config: { env: [{ name: 'KMM_MANAGED', value: '1' }] },
    installPlanApproval: 'Automatic',
    name: 'kernel-module-management',
    source: 'redhat-operators',
    sourceNamespace: 'openshift-marketplace',
  },
};
const DOCUMENTED_OPERATOR_GROUP = {
  apiVersion: 'operators.coreos.com/v1',
  kind: 'OperatorGroup',
  metadata: { name: 'kmm', namespace: 'openshift-kmm' },
  spec: { upgradeStrategy: 'Default' },
};

/** The OLM objects a variant ends up creating on the spoke, whichever policy kind carries them. */
function olmObjects(policy: Policy): KubeObject[] {
  return templatesOf(policy).flatMap((t) =>
    t.kind === 'OperatorPolicy'
      ? operatorPolicyObjects(t as OperatorPolicy)
      : objectsOf(t).filter((o) => o.apiVersion.startsWith('operators.coreos.com/')),
  );
}

beforeAll(async () => {
  for (const bundle of Object.values(KMM_OPERATOR_BUNDLES)) bundles.set(bundle, await loadBase(bundle));
});

describe('deploy/policies/kmm-operator', () => {
  it.each(Object.values(KMM_OPERATOR_BUNDLES))('%s subscribes to the documented operator in spoke mode', (bundle) => {
    expect(olmObjects(policyIn(bundle))).toEqual([DOCUMENTED_OPERATOR_GROUP, DOCUMENTED_SUBSCRIPTION]);
  });

  it.each(Object.values(KMM_OPERATOR_BUNDLES))('%s binds the Policy to the kmm-operator Placement', (bundle) => {
    const objects = bundles.get(bundle)!;
    const bindings = objects.filter((o) => o.kind === 'PlacementBinding') as Binding[];

    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.placementRef).toMatchObject({ kind: 'Placement', name: 'kmm-operator' });
    expect(bindings[0]!.subjects).toEqual([
      { apiGroup: 'policy.open-cluster-management.io', kind: 'Policy', name: 'kmm-operator' },
    ]);
    const placement = findObject<KubeObject & { spec: unknown }>(objects, 'Placement', 'kmm-operator');
    expect(placement.spec).toEqual({
      predicates: [
        {
          requiredClusterSelector: { labelSelector: { matchLabels: { 'hub.kmm.sigs.x-k8s.io/kmm-operator': 'true' } } },
        },
      ],
    });
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(POLICY_NAMESPACE);
  });

  it('gives both variants the same namespace and klusterlet work agent RBAC', () => {
    const nonOlm = (bundle: string) =>
      templatesOf(policyIn(bundle))
        .filter((t) => t.kind === 'ConfigurationPolicy')
        .flatMap(objectsOf)
        .filter((o) => !o.apiVersion.startsWith('operators.coreos.com/'));

    expect(nonOlm(KMM_OPERATOR_BUNDLES.operatorPolicy)).toEqual(nonOlm(KMM_OPERATOR_BUNDLES.configurationPolicy));
    expect(nonOlm(KMM_OPERATOR_BUNDLES.configurationPolicy).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/openshift-kmm',
      'ClusterRole/kmm-module-manager',
      'ClusterRoleBinding/klusterlet-kmm',
    ]);
  });

  it('installs with the OperatorPolicy only once its ConfigurationPolicy made the namespace', () => {
    const [prerequisites, operator] = policyIn(KMM_OPERATOR_BUNDLES.operatorPolicy).spec['policy-templates'] as {
      objectDefinition: KubeObject;
      extraDependencies?: unknown[];
    }[];

    expect(operator!.objectDefinition.kind).toBe('OperatorPolicy');
    expect(operator!.extraDependencies).toEqual([
      {
        apiVersion: 'policy.open-cluster-management.io/v1',
        kind: 'ConfigurationPolicy',
        name: prerequisites!.objectDefinition.metadata.name,
        compliance: 'Compliant',
      },
    ]);
  });
});

describe('operatorPolicyObjects', () => {
  const policy = (spec: Partial<OperatorPolicy['spec']>): OperatorPolicy => ({
    apiVersion: 'policy.open-cluster-management.io/v1beta1',
    kind: 'OperatorPolicy',
    metadata: { name: 'p' },
    spec: {
      remediationAction: 'enforce',
      upgradeApproval: 'Automatic',
      operatorGroup: { name: 'g' },
      subscription: { name: 'op', namespace: 'ns' },
      ...spec,
    },
  });

  it.each([
    ['enforce', 'Automatic', undefined, 'Automatic'],
    ['Enforce', 'Automatic', [], 'Automatic'],
    ['inform', 'Automatic', undefined, 'Manual'],
    ['enforce', 'None', undefined, 'Manual'],
    ['enforce', 'Automatic', ['op.v1.0.0'], 'Manual'],
  ] as const)(
    '%s with upgradeApproval %s and versions %j sets installPlanApproval %s',
    (action, approval, versions, want) => {
      const [, subscription] = operatorPolicyObjects(
        policy({ remediationAction: action, upgradeApproval: approval, versions: versions as string[] | undefined }),
      );

      expect((subscription['spec'] as { installPlanApproval: string }).installPlanApproval).toBe(want);
    },
  );

  it('refuses installPlanApproval in spec.subscription, as the controller does', () => {
    expect(() =>
      operatorPolicyObjects(
        policy({ subscription: { name: 'op', namespace: 'ns', installPlanApproval: 'Automatic' } }),
      ),
    ).toThrow('installPlanApproval is prohibited in spec.subscription');
  });
});
