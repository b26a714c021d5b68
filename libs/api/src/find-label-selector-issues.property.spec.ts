import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findLabelSelectorIssues } from './find-label-selector-issues.js';
import { checkLabelKey, checkLabelValue } from './kubernetes-names.js';
import type { ClusterSelector } from './types.js';

// apimachinery ValidateLabelSelector as a model: In/NotIn need values, Exists/DoesNotExist take none, any other
// operator is unsupported; every key a qualified name, every value a label value. One issue per broken rule, at
// the path of the field that breaks it.

const key = fc.oneof(
  fc.constantFrom('env', 'kmm.io/kernel', 'a/b/c', '', '-x', 'x'.repeat(64), `${'d'.repeat(254)}/x`, 'Env_1.x'),
  fc.string({ unit: fc.constantFrom('a', '.', '/', '-', '_', 'Z', '9', ' ', 'é'), maxLength: 12 }),
);
const value = fc.oneof(
  fc.constantFrom('', 'prod', '-bad', 'x'.repeat(64), 'a_b.c-d'),
  fc.string({ unit: fc.constantFrom('a', '.', '-', '_', '9', ' ', '/', 'é'), maxLength: 10 }),
);
const operator = fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'in', '');
const selector: fc.Arbitrary<ClusterSelector> = fc.record(
  {
    matchLabels: fc.dictionary(key, value, { maxKeys: 3 }),
    matchExpressions: fc.array(
      fc.record({ key, operator, values: fc.array(value, { maxLength: 3 }) }, { requiredKeys: ['key', 'operator'] }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

function expectedPaths(sel: ClusterSelector, at: string): string[] {
  const paths: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (checkLabelKey(k).length > 0) paths.push(`${at}.matchLabels[${k}]`);
    if (checkLabelValue(v).length > 0) paths.push(`${at}.matchLabels[${k}]`);
  }
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const item = `${at}.matchExpressions[${i}]`;
    const values = r.values ?? [];
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator)) paths.push(`${item}.operator`);
    else if ((r.operator === 'In' || r.operator === 'NotIn') === (values.length === 0)) paths.push(`${item}.values`);
    if (checkLabelKey(r.key).length > 0) paths.push(`${item}.key`);
    values.forEach((v, j) => {
      if (checkLabelValue(v).length > 0) paths.push(`${item}.values[${j}]`);
    });
  });
  return paths;
}

describe('findLabelSelectorIssues (properties)', () => {
  it('reports one issue per broken rule, at the breaking field, with a message naming what is wrong', () => {
    fc.assert(
      fc.property(selector, (sel) => {
        const issues = findLabelSelectorIssues(sel, 'spec.clusterSelector');
        expect(issues.map((i) => i.path).toSorted()).toEqual(expectedPaths(sel, 'spec.clusterSelector').toSorted());
        for (const issue of issues) expect(issue.message).not.toBe('');
      }),
      { numRuns: 1_000 },
    );
  });
});
