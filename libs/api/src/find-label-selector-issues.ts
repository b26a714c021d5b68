// Label maps and metav1.LabelSelector checks, with the API server's messages (apimachinery
// ValidateLabelSelector). A selector that breaks them can never match a ManagedCluster, so we report it instead of
// silently selecting nothing.
import { checkLabelKey, checkLabelValue } from './kubernetes-names.js';
import type { ClusterSelector } from './types.js';
import type { ValidationIssue } from './validation-result.js';

/** Every key must be a label key and every value a label value; keys appear in the path as `selector[key]`. */
export function findLabelMapIssues(labels: Record<string, string>, at: string): ValidationIssue[] {
  return Object.entries(labels).flatMap(([key, value]) => {
    const keyErrors = checkLabelKey(key);
    const valueErrors = checkLabelValue(value);
    return [
      ...(keyErrors.length > 0
        ? [{ path: `${at}[${key}]`, message: `invalid key "${key}": ${keyErrors.join('; ')}` }]
        : []),
      ...(valueErrors.length > 0
        ? [{ path: `${at}[${key}]`, message: `invalid value "${value}": ${valueErrors.join('; ')}` }]
        : []),
    ];
  });
}

export function findLabelSelectorIssues(selector: ClusterSelector, at: string): ValidationIssue[] {
  const issues = findLabelMapIssues(selector.matchLabels ?? {}, `${at}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((requirement, index) => {
    const item = `${at}.matchExpressions[${index}]`;
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          issues.push({ path: `${item}.values`, message: "must be specified when `operator` is 'In' or 'NotIn'" });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          issues.push({
            path: `${item}.values`,
            message: `may not be specified when \`operator\` is 'Exists' or 'DoesNotExist', found ${JSON.stringify(values)}`,
          });
        }
        break;
      default:
        issues.push({
          path: `${item}.operator`,
          message: `unsupported operator "${requirement.operator}": supported values are "In", "NotIn", "Exists" and "DoesNotExist"`,
        });
    }
    const keyErrors = checkLabelKey(requirement.key);
    if (keyErrors.length > 0) {
      issues.push({ path: `${item}.key`, message: `invalid key "${requirement.key}": ${keyErrors.join('; ')}` });
    }
    values.forEach((value, valueIndex) => {
      const errors = checkLabelValue(value);
      if (errors.length > 0) {
        issues.push({
          path: `${item}.values[${valueIndex}]`,
          message: `invalid value "${value}": ${errors.join('; ')}`,
        });
      }
    });
  });
  return issues;
}
