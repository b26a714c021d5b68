// Reads the kustomize bases of deploy/ for the tests, by role.
import { join } from 'node:path';
import { loadKustomization, REPO_ROOT, type KubeObject } from '../../deploy/scripts/kustomize.mjs';

export type { KubeObject };

export const BASES = {
  hub: 'deploy/hub',
  spokeAgent: 'deploy/spoke-agent',
  ocmHubCrds: 'deploy/crds/ocm-hub',
  ocmSpokeCrds: 'deploy/crds/ocm-spoke',
  spokeAgentPlacement: 'deploy/policies/spoke-agent/placement',
  spokeAgentPlacementRule: 'deploy/policies/spoke-agent/placementrule',
  workAgentPlacement: 'deploy/policies/work-agent-modules/placement',
  workAgentPlacementRule: 'deploy/policies/work-agent-modules/placementrule',
} as const;

export const POLICY_BUNDLES = [
  BASES.spokeAgentPlacement,
  BASES.spokeAgentPlacementRule,
  BASES.workAgentPlacement,
  BASES.workAgentPlacementRule,
] as const;

export async function loadBase(base: string): Promise<KubeObject[]> {
  return (await loadKustomization(join(REPO_ROOT, base))).map((r) => r.object);
}

export function findObject<T = KubeObject>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.length} objects`);
  return found as T;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface ObjectTemplate {
  complianceType: string;
  objectDefinition: KubeObject;
}

export interface ConfigurationPolicy extends KubeObject {
  spec: { remediationAction: string; 'object-templates': ObjectTemplate[]; [key: string]: unknown };
}

export interface Policy extends KubeObject {
  spec: {
    remediationAction?: string;
    disabled?: boolean;
    'policy-templates': { objectDefinition: KubeObject }[];
  };
}

/** The ConfigurationPolicies of a Policy; throws on any other template kind, which our policies do not use. */
export function configurationPolicies(policy: Policy): ConfigurationPolicy[] {
  return policy.spec['policy-templates'].map(({ objectDefinition }) => {
    if (objectDefinition.kind !== 'ConfigurationPolicy') {
      throw new Error(`policy ${policy.metadata.name} holds a ${objectDefinition.kind}`);
    }
    return objectDefinition as ConfigurationPolicy;
  });
}

export function objectTemplates(policy: Policy): ObjectTemplate[] {
  return configurationPolicies(policy).flatMap((c) => c.spec['object-templates']);
}
