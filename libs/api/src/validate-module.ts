// Validates a spoke Module like upstream KMM's Module webhook (internal/webhook/module.go), for the spoke agent and
// for checking the Module the hub renders into a ManifestWork before it is sent.
import { LIMITS } from './constants.js';
import { findModuleSpecIssues, findVersionChangeIssues } from './find-module-spec-issues.js';
import { byteLength } from './kubernetes-names.js';
import type { Module } from './types.js';
import { toValidationResult, type ValidationIssue, type ValidationResult } from './validation-result.js';

/** Upstream: DRA needs Kubernetes 1.34 (ResourceClaim v1 APIs). */
const MIN_KUBERNETES_FOR_DRA = { major: 1, minor: 34 } as const;

export interface ValidateModuleOptions {
  /** The stored object when validating an update; enables the update-only rules. */
  old?: Module;
  /** The cluster's Kubernetes version; when given, spec.dra is refused below 1.34 as upstream does. */
  kubernetesVersion?: { major: number; minor: number };
}

export function validateModule(module: Module, options: ValidateModuleOptions = {}): ValidationResult {
  const issues: ValidationIssue[] = [];
  // Upstream checks this unconditionally: the ordered-upgrade label key built from both must fit in 63 bytes.
  const combined = byteLength(module.metadata.name ?? '') + byteLength(module.metadata.namespace ?? '');
  if (combined > LIMITS.moduleNameAndNamespace) {
    issues.push({
      path: 'metadata.name',
      message: `name and namespace are ${combined} bytes together; the maximum is ${LIMITS.moduleNameAndNamespace}`,
    });
  }
  const spec = module.spec;
  if (!spec) return toValidationResult([...issues, { path: 'spec', message: 'required' }]);

  const version = options.kubernetesVersion;
  if (spec.dra && version && isOlder(version, MIN_KUBERNETES_FOR_DRA)) {
    issues.push({
      path: 'spec.dra',
      message: `requires Kubernetes ${MIN_KUBERNETES_FOR_DRA.major}.${MIN_KUBERNETES_FOR_DRA.minor} or later; the cluster runs ${version.major}.${version.minor}`,
    });
  }
  issues.push(...findVersionChangeIssues(options.old?.spec, spec, 'spec'));
  issues.push(...findModuleSpecIssues(spec, 'spec'));
  return toValidationResult(issues);
}

function isOlder(version: { major: number; minor: number }, than: { major: number; minor: number }): boolean {
  return version.major < than.major || (version.major === than.major && version.minor < than.minor);
}
