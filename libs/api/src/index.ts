export * from './constants.js';
export * from './types.js';
export * from './managed-cluster-module-status.js';
export type * from './custom-resource-definition.js';
export { CRD_DIRECTORY, parseCustomResourceDefinition } from './crds.js';
export { crdSchemaToJsonSchema, UnsupportedCelRuleError, type JsonSchema } from './crd-schema-to-json-schema.js';
export { findLabelSelectorIssues } from './find-label-selector-issues.js';
export { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './kubernetes-names.js';
export type { ValidationIssue, ValidationResult } from './validation-result.js';
export {
  validateManagedClusterModule,
  validateManagedClusterModuleForAdmission,
  type ValidateManagedClusterModuleOptions,
} from './validate-managed-cluster-module.js';
export { findKernelIssue, findKernelListIssues, MAX_KERNEL_LENGTH } from './find-kernel-list-issues.js';
export { validatePreflightValidation } from './validate-preflight-validation.js';
export {
  parseCountOrPercent,
  parseRolloutDuration,
  resolveCountOrPercent,
  ROLLOUT_TYPES,
  type CountOrPercent,
  type RolloutClusterStatus,
  type RolloutConfig,
  type RolloutStatus,
  type RolloutStrategy,
  type RolloutType,
} from './rollout-values.js';
export { validateModule, type ValidateModuleOptions } from './validate-module.js';
export {
  newLoaderManagedClusterModule,
  newManagedClusterModule,
  newModule,
  newModuleSpec,
  type ModuleSpecWithLoader,
} from './object-factories.js';
