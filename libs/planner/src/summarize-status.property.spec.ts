import { CLUSTER_DELIVERY_STATES, newManagedClusterModule, type ClusterDeliveryStatus } from '@kmm-hub/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeStatus } from './summarize-status.js';

// The status of an MCM selecting any number of clusters: the listed clusters stay within their byte budget, the
// listed and omitted clusters add up to the selected ones, clusters needing attention are listed before any Ready
// one is, and the whole status stays a bounded overhead above the budget (conditions' messages are capped).

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const DIGEST = `sha256:${'a'.repeat(64)}`;

const fleet = fc.uniqueArray(
  fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
    state: fc.constantFrom(...Object.values(CLUSTER_DELIVERY_STATES)),
    reason: fc.constantFrom('Available', 'NotPlannedYet', 'ManifestWorkNotAvailable', 'NoMatchingKernelMapping'),
    message: fc.string({ unit: fc.constantFrom('a', ' ', 'é', '"', '✓'), maxLength: 200 }),
    kernels: fc.array(
      fc.record({
        kernel: fc.constantFrom('6.1.0-28-amd64', '6.8.0-49-generic', '5.14.0-427.13.1.el9_4.x86_64'),
        image: fc.constant('registry.example/kmm/driver:6.1.0-28-amd64'),
        state: fc.constantFrom('Ready', 'Building', 'Failed'),
        digest: fc.constant(DIGEST),
      }),
      { maxLength: 3 },
    ),
  }) as fc.Arbitrary<ClusterDeliveryStatus>,
  { selector: (c) => c.name, maxLength: 120 },
);

describe('summarizeStatus (properties)', () => {
  it('lists clusters within the budget, attention first, counts adding up, the whole status bounded', () => {
    const mcm = newManagedClusterModule({ metadata: { name: 'gpu', generation: 3 } });
    const now = new Date('2026-12-05T00:00:00.000Z');
    fc.assert(
      fc.property(fleet, fc.integer({ min: 2, max: 40_000 }), (clusters, maxClusterBytes) => {
        const status = summarizeStatus({
          mcm,
          validity: { state: 'Valid' },
          clusters,
          manifestWorks: new Map(),
          now,
          maxClusterBytes,
        });
        const listed = status.clusters ?? [];
        expect(bytes(listed)).toBeLessThanOrEqual(maxClusterBytes);
        expect(status.numberSelected).toBe(clusters.length);
        expect(listed.length + (status.clustersOmitted ?? 0)).toBe(clusters.length);
        const omittedAttention = clusters.filter((c) => c.state !== 'Ready' && !listed.some((l) => l.name === c.name));
        if (omittedAttention.length > 0) {
          // A Ready cluster is listed only if every cluster needing attention that fits was listed before it.
          const attentionListed = listed.filter((c) => c.state !== 'Ready');
          for (const left of omittedAttention)
            expect(bytes([...attentionListed, left])).toBeGreaterThan(maxClusterBytes);
        }
        for (const c of status.conditions ?? []) expect(c.message.length).toBeLessThanOrEqual(1024);
        expect(bytes({ ...status, clusters: [] })).toBeLessThan(10_000);
      }),
      { numRuns: 300 },
    );
  });
});
