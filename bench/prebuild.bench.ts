// Upcoming-kernel benchmark (issue 12): the time from a cluster's kernel change (its kernel ClusterClaim) to its
// ManifestWork carrying the new kernel's digest-pinned mapping, WITH the kernel prebuilt (spec.upcomingKernels) and
// WITHOUT (built and signed on demand), side by side in one run on one hub: the real buildah build and TypeScript
// signing of the demo's hello module, the environment's registry and Redis. Each round uses a new kernel, so the
// on-demand side really builds. Run: `npm run bench` (BENCH_PREBUILD_ROUNDS, default 3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { HELLO_MODULE_NAME, pushImage } from '@kmm-hub/test-env';
import { RegistryClient } from '@kmm-hub/oci';
import { newManagedClusterModule, type KernelMapping, type ManagedClusterModule, type Module } from '@kmm-hub/api';
import { describe, expect, inject, it, vi } from 'vitest';
import { startModuleBuildHub } from '../apps/hub/src/testing/module-build-hub.testing.js';

const env = inject('env');
const ROUNDS = Number(process.env.BENCH_PREBUILD_ROUNDS ?? 3);
const ROOT = new URL('../', import.meta.url).pathname;
const NOW = '6.1.0-80-amd64';
/** The kernel of round i: a new one each round, matched by the build-and-sign mapping only. */
const next = (round: number) => `6.1.0-${81 + round}-amd64`;
const BUILT_KERNELS = '^6\\.1\\.0-8[1-9]-amd64$';

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('upcoming kernels', () => {
  it(`time to a ManifestWork with the new kernel, prebuilt vs on demand, ${ROUNDS} rounds`, async () => {
    const sides = ['prebuilt', 'on-demand'] as const;
    const hub = await startModuleBuildHub(env, 'bench-prebuild', [...sides]);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    const times: Record<(typeof sides)[number], number[]> = { prebuilt: [], 'on-demand': [] };
    const buildsDuringPrebuiltSwitch: number[] = [];
    try {
      // Set-up (not measured): one MCM and one cluster per side, both on NOW, whose image exists already.
      const mcm = (side: string, upcomingKernels: string[]): ManagedClusterModule => {
        const image = `${hub.repository}/${side}`;
        const mappings: KernelMapping[] = [
          { literal: NOW, containerImage: `${image}:${NOW}` },
          hub.buildAndSignMapping({ regexp: BUILT_KERNELS }, `${image}:\${KERNEL_FULL_VERSION}`),
        ];
        return newManagedClusterModule({
          metadata: { name: side },
          spec: {
            spokeNamespace: 'kmm',
            selector: { side },
            moduleSpec: {
              selector: { 'node-role.kubernetes.io/worker': '' },
              moduleLoader: {
                container: {
                  modprobe: { moduleName: HELLO_MODULE_NAME },
                  registryTLS: { insecure: true },
                  kernelMappings: mappings,
                },
              },
            },
            ...(upcomingKernels.length > 0 && { upcomingKernels }),
          },
        });
      };
      const pinnedFor = async (side: string, kernel: string) => {
        const mw = await hub.t.getMw(side, side);
        const module = mw?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
        const mapping = module?.spec?.moduleLoader?.container.kernelMappings.find((m) => m.literal === kernel);
        return mapping?.containerImage.includes('@sha256:') === true;
      };
      for (const side of sides) {
        await pushImage(registry, `${hub.repository.slice(env.registry.host.length + 1)}/${side}`, NOW, [
          { path: `/opt/lib/modules/${NOW}/${HELLO_MODULE_NAME}.ko`, content: Buffer.from(NOW) },
        ]);
        await hub.t.applyCluster(side, { side }, [NOW]);
        await hub.t.applier.apply(mcm(side, []));
        await vi.waitFor(async () => expect(await pinnedFor(side, NOW)).toBe(true), { timeout: 60_000, interval: 100 });
      }

      for (let round = 0; round < ROUNDS; round++) {
        const kernel = next(round);
        // Prebuilt side: the kernel is announced and built ahead (not measured), then the cluster moves to it.
        await hub.t.applier.apply(mcm('prebuilt', [kernel]));
        await vi.waitFor(
          async () =>
            expect(
              (await hub.t.getMcm('prebuilt')).status?.upcomingKernels?.find((k) => k.kernel === kernel)?.state,
            ).toBe('Ready'),
          { timeout: 600_000, interval: 200 },
        );
        for (const side of sides) {
          const before = await hub.jobCounts();
          const started = performance.now();
          await hub.t.applyCluster(side, { side }, [kernel]);
          await vi.waitFor(async () => expect(await pinnedFor(side, kernel)).toBe(true), {
            timeout: 600_000,
            interval: 25,
          });
          times[side].push(performance.now() - started);
          if (side === 'prebuilt') buildsDuringPrebuiltSwitch.push((await hub.jobCounts()).builds - before.builds);
        }
      }
    } finally {
      await hub.stop();
    }

    const withMs = median(times.prebuilt);
    const withoutMs = median(times['on-demand']);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const report = [
      `# Upcoming-kernel benchmark (${new Date().toISOString()})`,
      '',
      `A cluster's kernel claim changes to a kernel it did not run; measured until its ManifestWork carries that kernel's`,
      `digest-pinned mapping. ${ROUNDS} rounds, a new kernel each round; one hub (controller role, RECHECK_INTERVAL_S=1,`,
      `IMAGE_CHECK_TTL_S=1) and one image worker (buildah, vfs) on one kube-apiserver v1.35, Redis, docker-registry,`,
      `2 cores shared. The module is the demo's hello-signed: buildah builds it from the Dockerfile ConfigMap and the`,
      `hub signs it in TypeScript.`,
      '',
      '| measure | median | rounds |',
      '|---|---|---|',
      `| **with prebuilding** (spec.upcomingKernels, image built before the change) | **${s(withMs)}** | ${times.prebuilt.map(s).join(', ')} |`,
      `| **without** (built and signed on demand after the change) | **${s(withoutMs)}** | ${times['on-demand'].map(s).join(', ')} |`,
      `| **ratio without / with** | **${(withoutMs / withMs).toFixed(1)}×** | |`,
      `| builds started while a prebuilt cluster switched | ${buildsDuringPrebuiltSwitch.join(', ')} | |`,
    ].join('\n');
    console.info(report);
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/prebuild.md`, `${report}\n`);
    expect(buildsDuringPrebuiltSwitch.every((b) => b === 0)).toBe(true);
    expect(withMs).toBeLessThan(withoutMs);
  });
});
