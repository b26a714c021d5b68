import { type ManagedCluster, type ManagedClusterModule } from '@kmm-hub/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileClusterSelector, selectClusters } from './select-clusters.js';

// A reference model of Kubernetes label selectors (apimachinery labels.Selector, as LabelSelectorAsSelector builds
// it): every matchLabels pair AND every requirement; In needs the key with one of the values, NotIn matches when the
// key is absent or its value is not listed, Exists/DoesNotExist test the key only. Labels are a Map here, so no
// JavaScript object key (`constructor`, `__proto__`) can mean anything but a label.

type Requirement = { key: string; operator: string; values?: string[] };
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };

function modelMatches(equality: Record<string, string>, selector: Selector, labels: Map<string, string>): boolean {
  const pairs = [...Object.entries(equality), ...Object.entries(selector.matchLabels ?? {})];
  if (!pairs.every(([k, v]) => labels.get(k) === v)) return false;
  return (selector.matchExpressions ?? []).every((r) => {
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
        return labels.has(r.key) && values.includes(labels.get(r.key)!);
      case 'NotIn':
        return !labels.has(r.key) || !values.includes(labels.get(r.key)!);
      case 'Exists':
        return labels.has(r.key);
      case 'DoesNotExist':
        return !labels.has(r.key);
      default:
        throw new Error('the model is only asked about valid selectors');
    }
  });
}

/** apimachinery ValidateLabelSelectorRequirement, operator and values only. */
function requirementIsValid(r: Requirement): boolean {
  const count = r.values?.length ?? 0;
  if (r.operator === 'In' || r.operator === 'NotIn') return count > 0;
  if (r.operator === 'Exists' || r.operator === 'DoesNotExist') return count === 0;
  return false;
}

/** Keys and values from a small pool so selectors and labels collide often; the odd ones probe object lookups. */
const key = fc.constantFrom(
  'env',
  'gpu',
  'region',
  'kmm.io/kernel',
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
);
const value = fc.constantFrom('', 'prod', 'dev', 'nvidia', 'amd', 'eu');
const labels = fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 5 });
const toRecord = (pairs: readonly (readonly [string, string])[]): Record<string, string> =>
  Object.fromEntries(pairs) as Record<string, string>;
const requirement = (operators: readonly string[]): fc.Arbitrary<Requirement> =>
  fc.record(
    { key, operator: fc.constantFrom(...operators), values: fc.array(value, { maxLength: 3 }) },
    { requiredKeys: ['key', 'operator'] },
  );
const selector = (operators: readonly string[]): fc.Arbitrary<Selector> =>
  fc.record(
    { matchLabels: labels.map(toRecord), matchExpressions: fc.array(requirement(operators), { maxLength: 3 }) },
    { requiredKeys: [] },
  );
/** Selectors the API accepts: In/NotIn with values, Exists/DoesNotExist without. */
const validSelector = selector(['In', 'NotIn', 'Exists', 'DoesNotExist']).map((s) => ({
  ...s,
  ...(s.matchExpressions !== undefined && {
    matchExpressions: s.matchExpressions.map((r) =>
      r.operator === 'In' || r.operator === 'NotIn'
        ? { ...r, values: r.values?.length ? r.values : ['prod'] }
        : { key: r.key, operator: r.operator },
    ),
  }),
}));

describe('label selectors against the Kubernetes model (properties)', () => {
  it('compileClusterSelector matches exactly what the model matches', () => {
    fc.assert(
      fc.property(labels.map(toRecord), validSelector, labels, (equality, sel, clusterLabels) => {
        const compiled = compileClusterSelector(equality, sel);
        if (!compiled.ok) throw new Error(compiled.reason);
        // Labels as the API server hands them over: parsed JSON, so `__proto__` is an own key.
        const parsed = JSON.parse(JSON.stringify(toRecord(clusterLabels))) as Record<string, string>;
        expect(compiled.matches(parsed)).toBe(modelMatches(equality, sel, new Map(clusterLabels)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('selectClusters selects, in name order, the clusters the model matches', () => {
    const clusters = fc.uniqueArray(fc.tuple(fc.stringMatching(/^c[0-9]{1,2}$/), labels), {
      selector: ([name]) => name,
      maxLength: 8,
    });
    fc.assert(
      fc.property(labels.map(toRecord), validSelector, clusters, (equality, sel, fleet) => {
        const managed = fleet.map(([name, pairs]): ManagedCluster => ({
          apiVersion: 'cluster.open-cluster-management.io/v1',
          kind: 'ManagedCluster',
          metadata: { name, labels: JSON.parse(JSON.stringify(toRecord(pairs))) as Record<string, string> },
          spec: { hubAcceptsClient: true },
        }));
        const mcm = {
          metadata: { name: 'm' },
          spec: { spokeNamespace: 'kmm', selector: equality, clusterSelector: sel, moduleSpec: {} },
        } as unknown as ManagedClusterModule;
        const result = selectClusters(mcm, managed);
        if (!result.ok) throw new Error(result.reason);
        const expected = fleet
          .filter(([, pairs]) => modelMatches(equality, sel, new Map(pairs)))
          .map(([name]) => name)
          .toSorted((a, b) => a.localeCompare(b));
        expect(result.selection.selected.map((c) => c.metadata.name)).toEqual(expected);
      }),
    );
  });

  it('refuses exactly the requirements Kubernetes refuses (operator, values), naming the first', () => {
    fc.assert(
      fc.property(selector(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'in', '']), (sel) => {
        const compiled = compileClusterSelector(undefined, sel);
        const firstInvalid = (sel.matchExpressions ?? []).findIndex((r) => !requirementIsValid(r));
        if (firstInvalid < 0) expect(compiled.ok).toBe(true);
        else
          expect(compiled.ok ? '' : compiled.reason).toMatch(
            `spec.clusterSelector.matchExpressions[${firstInvalid}]: `,
          );
      }),
      { numRuns: 1_000 },
    );
  });
});
