// Test-only: a large fleet on the fleet under test, for the fleet page's large-fleet check and the fleet-scale
// benchmark (one definition, so the bench measures what the test checks). Clusters carry mixed labels (region,
// tier), five kernels and a few are unavailable or report no kernels; three MCMs select all, one region and one tier.
// One kernel's image is never pushed, so its clusters stay Degraded; the work agent reports half of the rest (at most
// 500), so the fleet shows Ready, Progressing, Degraded and NoKernels at once, as a real one does.
import { newLoaderManagedClusterModule } from '@kmm-hub/api';
import { BUILTIN_RESOURCES, ResourceClient } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage, type EnvState } from '@kmm-hub/test-env';
import { expect, vi } from 'vitest';
import { startFleetUnderTest, type FleetUnderTest } from './fleet-under-test.testing.js';

export const LARGE_FLEET_KERNELS = [
  '6.1.0-56-amd64',
  '6.1.0-57-amd64',
  '6.1.0-58-amd64',
  '6.1.0-59-amd64',
  '6.1.0-60-amd64',
] as const;
/** The kernel whose image no registry holds. */
export const MISSING_KERNEL = LARGE_FLEET_KERNELS[4];
const REGIONS = ['eu', 'us', 'ap'] as const;
const TIERS = ['gold', 'silver', 'bronze'] as const;
/** Requests in flight while the fleet is set up (2 cores shared with the API server and the hub). */
const CONCURRENCY = 16;
/** Works the work agent reports on, at most. */
const REPORTED_MAX = 500;

export interface LargeFleetCluster {
  name: string;
  labels: Record<string, string>;
  kernel: string | undefined;
  available: boolean;
}

export interface LargeFleet {
  f: FleetUnderTest;
  /** Seconds per set-up step. */
  steps: Record<string, number>;
  clusters: LargeFleetCluster[];
  /** The MCMs, with the selector each one uses. */
  modules: { name: string; selector: Record<string, string> }[];
  /** Seconds the set-up took (clusters, fan-out, work reports). */
  setUpSeconds: number;
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export function largeFleetClusters(count: number): LargeFleetCluster[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `edge-${String(i).padStart(5, '0')}`,
    labels: { fleet: 'large', region: REGIONS[i % 3]!, tier: TIERS[Math.floor(i / 3) % 3]! },
    // Every 97th cluster reports no kernels; the others run one of five.
    kernel: i % 97 === 5 ? undefined : LARGE_FLEET_KERNELS[i % LARGE_FLEET_KERNELS.length],
    available: i % 53 !== 7,
  }));
}

export async function startLargeFleet(env: EnvState, name: string, count: number): Promise<LargeFleet> {
  const t0 = performance.now();
  const steps: Record<string, number> = {};
  let last = t0;
  const step = (label: string) => {
    const now = performance.now();
    steps[label] = Math.round(now - last) / 1000;
    last = now;
  };
  const clusters = largeFleetClusters(count);
  const f = await startFleetUnderTest(env, name, []);
  step('hub and API server');
  try {
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    const repository = `${name}/${Date.now()}`;
    for (const k of LARGE_FLEET_KERNELS.filter((kernel) => kernel !== MISSING_KERNEL))
      await pushImage(registry, `${repository}/driver`, k, [{ path: `/opt/${k}.ko`, content: Buffer.from(k) }]);
    const namespaces = new ResourceClient<{ metadata: { name: string } }>(f.http, BUILTIN_RESOURCES.Namespace);
    await pool(clusters, CONCURRENCY, (c) => namespaces.create({ metadata: { name: c.name } }));
    step('namespaces');
    await pool(clusters, CONCURRENCY, (c) =>
      f.applyCluster(c.name, c.labels, c.kernel === undefined ? undefined : [c.kernel], c.available),
    );
    step('ManagedClusters');
    const modules: LargeFleet['modules'] = [
      { name: 'gpu', selector: { fleet: 'large' } },
      { name: 'nic', selector: { region: 'eu' } },
      { name: 'storage', selector: { tier: 'gold' } },
    ];
    for (const m of modules)
      await f.applier.apply(
        newLoaderManagedClusterModule({
          name: m.name,
          selector: m.selector,
          regexp: '^6\\.1\\.',
          image: `${env.registry.host}/${repository}/driver:\${KERNEL_FULL_VERSION}`,
        }),
      );
    const withImage = clusters.filter((c) => c.kernel !== undefined && c.kernel !== MISSING_KERNEL);
    const timeout = Math.max(60_000, count * 60);
    await vi.waitFor(async () => expect((await f.getMcm('gpu')).status?.numberDesired).toBe(withImage.length), {
      timeout,
      interval: 1_000,
    });
    step('fan-out');
    // The work agent reports every other cluster with a published ManifestWork, up to REPORTED_MAX: those become
    // Ready. (Each report makes the controller recompute the status of the MCM over all its clusters: at 10,000
    // clusters on this machine that allows about two reports a second.)
    await pool(withImage.filter((_, i) => i % 2 === 0).slice(0, REPORTED_MAX), CONCURRENCY, (c) =>
      f.reportWork(c.name, 'gpu', { desired: 2, available: 2 }),
    );
    step('work reports');
    return { f, steps, clusters, modules, setUpSeconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    await f.stop();
    throw err;
  }
}
