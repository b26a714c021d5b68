// What RHACM's config-policy-controller makes of an OperatorPolicy's spec.operatorGroup and spec.subscription
// (open-cluster-management-io/config-policy-controller controllers/operatorpolicy_controller.go, `buildSubscription`
// and `buildOperatorGroup`), as a pure function: the tests apply its output to a spoke API server that has OLM's
// CRDs. Only what our policy uses is modelled: no templates, an explicit operatorGroup, no `versions`.
import type { KubeObject } from './deploy-files.js';

/** The two forms of the KMM operator policy; each is a kustomize base of its own. */
export const KMM_OPERATOR_BUNDLES = {
  configurationPolicy: 'deploy/policies/kmm-operator/configurationpolicy',
  operatorPolicy: 'deploy/policies/kmm-operator/operatorpolicy',
} as const;

export interface OperatorPolicy extends KubeObject {
  spec: {
    remediationAction: string;
    upgradeApproval: 'None' | 'Automatic';
    versions?: string[];
    operatorGroup: { name: string; namespace?: string; [specField: string]: unknown };
    subscription: { name: string; namespace: string; installPlanApproval?: string; [specField: string]: unknown };
    [key: string]: unknown;
  };
}

/** The OperatorGroup and the Subscription the controller creates for an enforced `musthave` OperatorPolicy. */
export function operatorPolicyObjects(policy: OperatorPolicy): [KubeObject, KubeObject] {
  const { namespace, ...subscriptionSpec } = policy.spec.subscription;
  // The controller rejects the policy ("installPlanApproval is prohibited in spec.subscription") and sets the
  // field itself: Automatic only when enforced with upgradeApproval Automatic and no pinned versions.
  if (subscriptionSpec.installPlanApproval !== undefined) {
    throw new Error('installPlanApproval is prohibited in spec.subscription');
  }
  const automatic =
    policy.spec.remediationAction.toLowerCase() === 'enforce' &&
    policy.spec.upgradeApproval === 'Automatic' &&
    (policy.spec.versions ?? []).length === 0;
  const { name: groupName, namespace: groupNamespace, ...groupSpec } = policy.spec.operatorGroup;
  if (groupNamespace !== undefined && groupNamespace !== namespace) {
    throw new Error(`spec.operatorGroup namespace ${groupNamespace} is not the subscription's ${namespace}`);
  }
  return [
    {
      apiVersion: 'operators.coreos.com/v1',
      kind: 'OperatorGroup',
      metadata: { name: groupName, namespace },
      spec: groupSpec,
    },
    {
      apiVersion: 'operators.coreos.com/v1alpha1',
      kind: 'Subscription',
      metadata: { name: subscriptionSpec.name, namespace },
      spec: { ...subscriptionSpec, installPlanApproval: automatic ? 'Automatic' : 'Manual' },
    },
  ];
}
