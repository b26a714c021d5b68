/** One problem with an object: `path` is the Kubernetes field path (`spec.moduleSpec.tolerations[0].key`). */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; issues: ValidationIssue[] };

export function toValidationResult(issues: ValidationIssue[]): ValidationResult {
  return issues.length === 0 ? { ok: true } : { ok: false, issues };
}
