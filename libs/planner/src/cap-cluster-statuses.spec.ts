import { CLUSTER_DELIVERY_STATES, type ClusterDeliveryStatus } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLUSTER_STATUS_BYTES, capClusterStatuses } from './cap-cluster-statuses.js';

const { Ready, Degraded, Pending } = CLUSTER_DELIVERY_STATES;

function cluster(name: string, state: ClusterDeliveryStatus['state'], kernels = 1): ClusterDeliveryStatus {
  return {
    name,
    state,
    kernels: Array.from({ length: kernels }, (_, i) => ({
      kernel: `6.1.0-${i}-amd64`,
      state: 'Ready',
      image: `registry.example/kmm/driver:6.1.0-${i}-amd64`,
      digest: `sha256:${'ab'.repeat(32)}`,
    })),
  } as ClusterDeliveryStatus;
}

/** What the list takes in the status: its JSON, brackets and commas included. */
const bytes = (list: readonly ClusterDeliveryStatus[]) => Buffer.byteLength(JSON.stringify(list));

describe('capClusterStatuses', () => {
  it('keeps everything, in order, when it fits', () => {
    const all = [cluster('b', Ready), cluster('a', Degraded)];
    expect(capClusterStatuses(all, bytes(all))).toEqual({ clusters: all, omitted: 0 });
  });

  it('leaves out Ready clusters before the ones that need attention, keeping the original order', () => {
    const all = [cluster('r1', Ready), cluster('d1', Degraded), cluster('r2', Ready), cluster('p1', Pending)];
    const capped = capClusterStatuses(all, bytes([all[0]!, all[1]!, all[3]!]));
    expect(capped.clusters.map((c) => c.name)).toEqual(['r1', 'd1', 'p1']);
    expect(capped.omitted).toBe(1);
  });

  it('leaves out clusters needing attention too when they alone do not fit, never exceeding the budget', () => {
    const all = Array.from({ length: 10 }, (_, i) => cluster(`d${i}`, Degraded));
    const budget = bytes(all.slice(0, 4)) + 10;
    const capped = capClusterStatuses(all, budget);
    expect(capped.clusters.map((c) => c.name)).toEqual(['d0', 'd1', 'd2', 'd3']);
    expect(capped.omitted).toBe(6);
    expect(bytes(capped.clusters)).toBeLessThanOrEqual(budget);
  });

  // Found by cap-cluster-statuses.property.spec.ts: the brackets were not counted, so a list that filled the budget
  // exactly went one byte over it.
  it.each([
    [[cluster('a', Ready)], 1],
    [[cluster('a', Ready), cluster('b', Degraded)], 1],
  ])('keeps list %# within a budget one byte short of its JSON', (all, omitted) => {
    const budget = bytes(all) - 1;
    const capped = capClusterStatuses(all, budget);
    expect(bytes(capped.clusters)).toBeLessThanOrEqual(budget);
    expect(capped.omitted).toBe(omitted);
  });

  it('fits a smaller entry after a larger one that did not fit', () => {
    const all = [cluster('big', Degraded, 20), cluster('small', Degraded, 1)];
    const capped = capClusterStatuses(all, bytes([all[1]!]) + 5);
    expect(capped.clusters.map((c) => c.name)).toEqual(['small']);
    expect(capped.omitted).toBe(1);
  });

  it('keeps a fleet of 3,500 clusters with two kernels each under the default budget', () => {
    const fleet = Array.from({ length: 3_500 }, (_, i) =>
      cluster(`edge-${String(i).padStart(4, '0')}`, i % 100 === 0 ? Degraded : Ready, 2),
    );
    const capped = capClusterStatuses(fleet);
    expect(bytes(capped.clusters)).toBeLessThanOrEqual(DEFAULT_MAX_CLUSTER_STATUS_BYTES);
    expect(capped.omitted).toBeGreaterThan(0);
    expect(capped.clusters.length + capped.omitted).toBe(3_500);
    // Every degraded cluster is still listed.
    expect(capped.clusters.filter((c) => c.state === Degraded)).toHaveLength(35);
  });

  // Issue 14: an MCM selecting 10,000 clusters, five kernels in the fleet, two per cluster. Its status must stay
  // within the budget (and so the object within etcd's 1.5 MiB request limit) whatever share needs attention.
  it.each([
    ['1% degraded, 2% pending', (i: number) => (i % 100 === 0 ? Degraded : i % 50 === 1 ? Pending : Ready), 300],
    ['every cluster degraded (a registry outage)', () => Degraded, 10_000],
  ])(
    'keeps 10,000 clusters (%s) within the default budget, those needing attention before Ready ones',
    (_label, stateOf, attention) => {
      const fleet = Array.from({ length: 10_000 }, (_, i) =>
        cluster(`edge-${String(i).padStart(5, '0')}`, stateOf(i), 2),
      );
      const capped = capClusterStatuses(fleet);
      expect(bytes(capped.clusters)).toBeLessThanOrEqual(DEFAULT_MAX_CLUSTER_STATUS_BYTES);
      expect(capped.clusters.length + capped.omitted).toBe(10_000);
      const keptAttention = capped.clusters.filter((c) => c.state !== Ready).length;
      // Every cluster needing attention that fits is kept, and a Ready one only once none of them is left out.
      if (keptAttention < attention) expect(capped.clusters.some((c) => c.state === Ready)).toBe(false);
      else expect(keptAttention).toBe(attention);
      expect(capped.omitted).toBeGreaterThan(0);
      // Names sorted as they came in: the status stays in a stable order, so an unchanged fleet writes nothing.
      expect(capped.clusters.map((c) => c.name)).toEqual(capped.clusters.map((c) => c.name).toSorted());
    },
  );
});
