// Validates a PreflightValidation beyond what its CRD schema refuses: the kernels (no blanks, no whitespace, no
// repeats across kernelVersion and kernelVersions) and the selector (operator and value combinations).
import { findKernelIssue, findKernelListIssues } from './find-kernel-list-issues.js';
import { findLabelSelectorIssues } from './find-label-selector-issues.js';
import type { PreflightValidation } from './types.js';
import { toValidationResult, type ValidationIssue, type ValidationResult } from './validation-result.js';

export function validatePreflightValidation(pfv: PreflightValidation): ValidationResult {
  const spec = pfv.spec;
  if (!spec) return toValidationResult([{ path: 'spec', message: 'required' }]);
  const issues: ValidationIssue[] = [];
  const single = spec.kernelVersion;
  const list = spec.kernelVersions ?? [];
  if (single === undefined && list.length === 0) {
    issues.push({ path: 'spec.kernelVersion', message: 'set spec.kernelVersion or spec.kernelVersions' });
  }
  if (single !== undefined) {
    const issue = findKernelIssue(single);
    if (issue !== undefined) issues.push({ path: 'spec.kernelVersion', message: issue });
  }
  issues.push(...findKernelListIssues(list, 'spec.kernelVersions'));
  if (single !== undefined) {
    const trim = (k: string) => (k.endsWith('+') ? k.slice(0, -1) : k);
    const again = list.findIndex((k) => trim(k) === trim(single));
    if (again >= 0) {
      issues.push({
        path: `spec.kernelVersions[${again}]`,
        message: `${JSON.stringify(list[again])} repeats spec.kernelVersion`,
      });
    }
  }
  if (spec.selector) issues.push(...findLabelSelectorIssues(spec.selector, 'spec.selector'));
  return toValidationResult(issues);
}
