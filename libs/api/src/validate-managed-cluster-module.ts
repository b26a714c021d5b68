// Validates a ManagedClusterModule: the rules of the upstream hub webhook (it runs the Module rules on moduleSpec,
// see find-module-spec-issues.ts) plus the checks upstream never makes on the hub although a spoke or OCM enforces
// them later, when the only symptom is a ManifestWork that is never applied.
import { LABELS, LIMITS } from './constants.js';
import { findKernelListIssues } from './find-kernel-list-issues.js';
import { findLabelMapIssues, findLabelSelectorIssues } from './find-label-selector-issues.js';
import { findModuleSpecIssues, findVersionChangeIssues } from './find-module-spec-issues.js';
import { findRolloutIssues } from './find-rollout-issues.js';
import { byteLength, checkDns1123Label } from './kubernetes-names.js';
import type { ManagedClusterModule } from './types.js';
import { toValidationResult, type ValidationIssue, type ValidationResult } from './validation-result.js';

export interface ValidateManagedClusterModuleOptions {
  /** The stored object when validating an update; enables the update-only rules. */
  old?: ManagedClusterModule;
}

/** Everything wrong with the object: what admission refuses and what only the hub's Valid condition reports. */
export function validateManagedClusterModule(
  mcm: ManagedClusterModule,
  options: ValidateManagedClusterModuleOptions = {},
): ValidationResult {
  if (!mcm.spec) return toValidationResult([...findHubOnlyIssues(mcm), { path: 'spec', message: 'required' }]);
  return toValidationResult([...findHubOnlyIssues(mcm), ...findAdmissionIssues(mcm, options)]);
}

/**
 * What the hub's admission webhook refuses: the rules of upstream's hub webhook (the Module rules on moduleSpec,
 * internal/webhook/hub/managedclustermodule_webhook.go) and the rules of our own extension fields. The CRD's CEL
 * rules already refuse most of them; the webhook adds the ones CEL cannot express. The hub-only checks of fields
 * upstream accepts as they are (the name lengths, spokeNamespace, selector syntax) are not refused, so every object
 * upstream's API server takes is still taken; they surface as Valid=False instead.
 */
export function validateManagedClusterModuleForAdmission(
  mcm: ManagedClusterModule,
  options: ValidateManagedClusterModuleOptions = {},
): ValidationResult {
  return toValidationResult(findAdmissionIssues(mcm, options));
}

function findAdmissionIssues(mcm: ManagedClusterModule, options: ValidateManagedClusterModuleOptions) {
  const spec = mcm.spec;
  if (!spec) return [];
  const issues: ValidationIssue[] = [];
  if (spec.clusterSelector) issues.push(...findLabelSelectorIssues(spec.clusterSelector, 'spec.clusterSelector'));
  if (spec.upcomingKernels) issues.push(...findKernelListIssues(spec.upcomingKernels, 'spec.upcomingKernels'));
  if (spec.rollout) issues.push(...findRolloutIssues(spec.rollout, 'spec.rollout'));
  if (!spec.moduleSpec) {
    issues.push({ path: 'spec.moduleSpec', message: 'required' });
  } else {
    issues.push(...findVersionChangeIssues(options.old?.spec?.moduleSpec, spec.moduleSpec, 'spec.moduleSpec'));
    issues.push(...findModuleSpecIssues(spec.moduleSpec, 'spec.moduleSpec'));
  }
  return issues;
}

function findHubOnlyIssues(mcm: ManagedClusterModule): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const name = mcm.metadata.name ?? '';
  if (byteLength(name) > LIMITS.labelValue) {
    issues.push({
      path: 'metadata.name',
      message: `must be no more than ${LIMITS.labelValue} bytes, it is ${byteLength(name)}: it is the value of the label ${LABELS.managedClusterModuleName} on every ManifestWork`,
    });
  }
  const spec = mcm.spec;
  if (!spec) return issues;

  const namespace = spec.spokeNamespace ?? '';
  if (namespace === '') {
    issues.push({ path: 'spec.spokeNamespace', message: 'required' });
  } else {
    const errors = checkDns1123Label(namespace);
    if (errors.length > 0) {
      issues.push({
        path: 'spec.spokeNamespace',
        message: `"${namespace}" is not a namespace name: ${errors.join('; ')}`,
      });
    }
  }
  // The Module on each spoke is named after the MCM and lives in spokeNamespace; a KMM spoke's webhook rejects it
  // when the two are longer than this together, whatever the hub accepted.
  const combined = byteLength(name) + byteLength(namespace);
  if (name !== '' && namespace !== '' && combined > LIMITS.moduleNameAndNamespace) {
    issues.push({
      path: 'spec.spokeNamespace',
      message: `metadata.name and spec.spokeNamespace are ${combined} bytes together; a KMM spoke rejects a Module whose name and namespace exceed ${LIMITS.moduleNameAndNamespace}`,
    });
  }

  if (spec.selector === undefined) {
    issues.push({ path: 'spec.selector', message: 'required; {} selects every ManagedCluster' });
  } else {
    issues.push(...findLabelMapIssues(spec.selector, 'spec.selector'));
  }
  return issues;
}
