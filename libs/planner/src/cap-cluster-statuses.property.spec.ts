import { CLUSTER_DELIVERY_STATES, type ClusterDeliveryStatus } from '@kmm-hub/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capClusterStatuses } from './cap-cluster-statuses.js';

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const needsAttention = (c: ClusterDeliveryStatus): boolean => c.state !== CLUSTER_DELIVERY_STATES.Ready;

const cluster: fc.Arbitrary<ClusterDeliveryStatus> = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    state: fc.constantFrom(...Object.values(CLUSTER_DELIVERY_STATES)),
    reason: fc.constantFrom('Applied', 'NotPlannedYet', 'ApplyFailed', 'NoMatchingKernelMapping'),
    // Multi-byte text: the budget is in bytes, not UTF-16 units.
    message: fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', 'é', '✓', '😀', '\n'), maxLength: 80 }),
  },
  { requiredKeys: ['name', 'state'] },
);

/** A fleet and a budget anywhere from nothing to more than everything (exact totals included). */
const fleetAndBudget = fc
  .array(cluster, { maxLength: 60 })
  .chain((clusters) =>
    fc.tuple(
      fc.constant(clusters),
      fc.oneof(fc.integer({ min: 2, max: bytes(clusters) + 10 }), fc.constant(bytes(clusters)), fc.constant(2)),
    ),
  );

describe('capClusterStatuses (properties)', () => {
  it('keeps the JSON of the kept list within the budget, in the original order, and counts what it left out', () => {
    fc.assert(
      fc.property(fleetAndBudget, ([clusters, maxBytes]) => {
        const capped = capClusterStatuses(clusters, maxBytes);
        expect(bytes(capped.clusters)).toBeLessThanOrEqual(maxBytes);
        expect(capped.clusters.length + capped.omitted).toBe(clusters.length);
        // A subsequence of the input: same objects, same order.
        let at = 0;
        for (const kept of capped.clusters) {
          at = clusters.indexOf(kept, at);
          expect(at).toBeGreaterThanOrEqual(0);
          at++;
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('leaves out a cluster needing attention only when it does not fit beside the other attention clusters kept', () => {
    fc.assert(
      fc.property(fleetAndBudget, ([clusters, maxBytes]) => {
        const capped = capClusterStatuses(clusters, maxBytes);
        const keptAttention = capped.clusters.filter(needsAttention);
        for (const left of clusters.filter((c) => needsAttention(c) && !capped.clusters.includes(c))) {
          expect(bytes([...keptAttention, left])).toBeGreaterThan(maxBytes);
        }
        // And nothing left out would still fit.
        for (const left of clusters.filter((c) => !capped.clusters.includes(c))) {
          expect(bytes([...capped.clusters, left])).toBeGreaterThan(maxBytes);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
