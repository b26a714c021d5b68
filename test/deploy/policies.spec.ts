import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_NAMESPACE, renderSpokeAgentPolicy } from '../../deploy/scripts/generate.mjs';
import {
  BASES,
  POLICY_BUNDLES,
  configurationPolicies,
  findObject,
  loadBase,
  objectTemplates,
  type KubeObject,
  type Policy,
} from './deploy-files.js';
import { hasHubTemplate } from './resolve-hub-templates.js';

type Binding = KubeObject & {
  placementRef: { apiGroup: string; kind: string; name: string };
  subjects: { apiGroup: string; kind: string; name: string }[];
};

const bundles = new Map<string, KubeObject[]>();

beforeAll(async () => {
  for (const bundle of POLICY_BUNDLES) bundles.set(bundle, await loadBase(bundle));
});

describe('the spoke agent rollout policy', () => {
  let policy: Policy;
  let base: KubeObject[];
  beforeAll(async () => {
    policy = findObject<Policy>(bundles.get(BASES.spokeAgentPlacement)!, 'Policy', 'kmm-spoke-agent');
    base = await loadBase(BASES.spokeAgent);
  });

  it('is what deploy/scripts/generate.mjs renders from the deploy/spoke-agent base', () => {
    expect(policy).toEqual(renderSpokeAgentPolicy(base));
  });

  it('enforces every object of the base unchanged, the agent Deployment included, with musthave', () => {
    const templates = objectTemplates(policy);
    const inPolicy = (o: KubeObject) =>
      templates.find((t) => t.objectDefinition.kind === o.kind && t.objectDefinition.metadata.name === o.metadata.name)
        ?.objectDefinition;

    for (const object of base) expect(inPolicy(object), `${object.kind} ${object.metadata.name}`).toEqual(object);
    expect(inPolicy(findObject(base, 'Deployment', 'kmm-spoke-agent'))).toBeDefined();
    expect(templates.map((t) => t.complianceType)).toEqual(templates.map(() => 'musthave'));
    expect(templates.map((t) => t.objectDefinition.kind).filter((k) => !base.some((o) => o.kind === k))).toEqual([
      'Secret',
    ]);
    expect(policy.spec.remediationAction).toBe('enforce');
    for (const c of configurationPolicies(policy)) expect(c.spec.remediationAction).toBe('enforce');
  });
});

describe('policies in deploy/policies', () => {
  it.each(POLICY_BUNDLES)('%s: binds its Policy to its own placement', (bundle) => {
    const objects = bundles.get(bundle)!;
    const [binding, ...others] = objects.filter((o) => o.kind === 'PlacementBinding') as Binding[];
    const policies = objects.filter((o) => o.kind === 'Policy');

    expect(others).toEqual([]);
    expect(policies).toHaveLength(1);
    findObject(objects, binding!.placementRef.kind, binding!.placementRef.name);
    expect(binding!.subjects).toEqual([
      { apiGroup: 'policy.open-cluster-management.io', kind: 'Policy', name: policies[0]!.metadata.name },
    ]);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(POLICY_NAMESPACE);
  });

  it.each(POLICY_BUNDLES)('%s: fits the policy webhook and never carries Secret content', (bundle) => {
    for (const policy of bundles.get(bundle)!.filter((o) => o.kind === 'Policy') as Policy[]) {
      // The replicated policy's name `<namespace>.<name>` is used as a label value (63 characters).
      expect(policy.metadata.namespace!.length + policy.metadata.name.length).toBeLessThanOrEqual(62);
      for (const { objectDefinition: o } of objectTemplates(policy).filter(
        (t) => t.objectDefinition.kind === 'Secret',
      )) {
        const values = Object.values({ ...(o['data'] as object), ...(o['stringData'] as object) }) as unknown[];
        expect(values.length).toBeGreaterThan(0);
        for (const value of values) expect(hasHubTemplate(value), `Secret ${o.metadata.name}: ${value}`).toBe(true);
      }
    }
  });

  it('places both variants of a policy on the same clusters', () => {
    const selectors = POLICY_BUNDLES.map((bundle) => {
      const objects = bundles.get(bundle)!;
      const placement = objects.find((o) => o.kind === 'Placement') as
        (KubeObject & { spec: { predicates: { requiredClusterSelector: { labelSelector: unknown } }[] } }) | undefined;
      const rule = objects.find((o) => o.kind === 'PlacementRule') as
        (KubeObject & { spec: { clusterSelector: unknown } }) | undefined;
      return placement
        ? placement.spec.predicates[0]?.requiredClusterSelector.labelSelector
        : rule?.spec.clusterSelector;
    });

    expect(selectors[0]).toEqual(selectors[1]);
    expect(selectors[2]).toEqual(selectors[3]);
    expect(selectors[0]).not.toEqual(selectors[2]);
  });

  it('lets the klusterlet work agent manage Modules through an aggregated ClusterRole, and nothing else', () => {
    const policy = findObject<Policy>(bundles.get(BASES.workAgentPlacement)!, 'Policy', 'kmm-work-agent-modules');
    const [role, binding] = objectTemplates(policy).map((t) => t.objectDefinition) as [
      KubeObject & { metadata: { labels: Record<string, string> }; rules: unknown[] },
      KubeObject & { roleRef: { name: string }; subjects: unknown[] },
    ];

    expect(role.kind).toBe('ClusterRole');
    expect(role.metadata.labels['open-cluster-management.io/aggregate-to-work']).toBe('true');
    expect(role.rules).toEqual([
      {
        apiGroups: ['kmm.sigs.x-k8s.io'],
        resources: ['modules'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ]);
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'klusterlet-work-sa', namespace: 'open-cluster-management-agent' },
    ]);
  });
});
