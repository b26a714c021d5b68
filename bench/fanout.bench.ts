// Fan-out benchmark of the hub controller (issue 3): 1 ManagedClusterModule → 1,000 ManagedClusters on 3 kernels.
// Measured side by side in one run against the same API server: the hub creating 1,000 ManifestWorks vs a bare
// client applying the same 1,000 objects; then API writes during a steady-state resync (must be 0); then the time
// until every ManifestWork carries a moved tag's new digest; and the hub's RSS. Run: `npm run bench`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { RESOURCES, newManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import { renderManifestWork } from '@kmm-hub/manifestwork';
import { RegistryClient } from '@kmm-hub/oci';
import {
  applyManagedCluster,
  clientWritesSince,
  clusterKubeConfig,
  freePort,
  holdsFor,
  pushImage,
  startDedicatedCluster,
  clientNodeConfig,
} from '@kmm-hub/test-env';
import { describe, expect, inject, it } from 'vitest';
import { ROOT, cpuSeconds, hubLeads, pool, rssMiB, startApp, type BenchProcess } from './harness.js';

const env = inject('env');
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 1000);
const KERNELS = ['6.1.0-56-amd64', '6.1.0-57-amd64', '6.1.0-58-amd64'];
const CONCURRENCY = 8;

describe('hub fan-out', () => {
  it(`fans one MCM out to ${CLUSTERS} clusters`, async () => {
    const hub = await startDedicatedCluster(env, 'bench');
    const kc = clusterKubeConfig(hub.info);
    const http = new KubeHttp(kc);
    const applier = new ServerSideApplier(kc, 'bench');
    const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    const repository = `bench/${Date.now()}`;
    const names = Array.from({ length: CLUSTERS }, (_, i) => `c${String(i).padStart(4, '0')}`);
    const kernelOf = (i: number) => KERNELS[i % KERNELS.length]!;
    let hubProcess: BenchProcess | undefined;
    try {
      // Set-up (not measured): images, namespaces, ManagedClusters with kernel claims.
      for (const k of KERNELS)
        await pushImage(registry, repository, k, [{ path: `/opt/${k}.ko`, content: Buffer.from(k) }]);
      await core.createNamespace({ body: { metadata: { name: 'kmm-hub' } } });
      await pool(names, CONCURRENCY, (n) => core.createNamespace({ body: { metadata: { name: n } } }));
      await pool(
        names.map((n, i) => [n, i] as const),
        CONCURRENCY,
        ([n, i]) => applyManagedCluster(applier, { name: n, labels: { fleet: 'bench' }, kernels: [kernelOf(i)] }),
      );
      const mcm = newManagedClusterModule({
        metadata: { name: 'gpu' },
        spec: {
          spokeNamespace: 'kmm',
          selector: { fleet: 'bench' },
          moduleSpec: {
            selector: {},
            moduleLoader: {
              container: {
                modprobe: { moduleName: 'gpu' },
                registryTLS: { insecure: true },
                kernelMappings: [
                  { regexp: '^6\\.1\\.', containerImage: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}` },
                ],
              },
            },
          },
        },
      });
      const digests = new Map<string, string>();
      for (const k of KERNELS)
        digests.set(k, (await registry.resolveDigest(`${env.registry.host}/${repository}:${k}`))!.digest);

      // Baseline: a bare client applying the same 1,000 ManifestWorks (other name, no label) with the same concurrency.
      const baselineStart = performance.now();
      await pool(
        names.map((n, i) => [n, i] as const),
        CONCURRENCY,
        async ([n, i]) => {
          const k = kernelOf(i);
          const resolution = resolveManagedClusterModuleKernel(mcm, k);
          if (!resolution.ok) throw new Error(resolution.reason);
          const image = `${env.registry.host}/${repository}@${digests.get(k)}`;
          const r = renderManifestWork({
            mcm,
            cluster: n,
            kernels: new Map([[k, { image, mapping: resolution.mapping }]]),
          });
          if (!r.ok) throw new Error(r.reason);
          const mw = r.manifestWork;
          await applier.apply({ ...mw, metadata: { name: 'baseline', namespace: n } });
        },
      );
      const baselineMs = performance.now() - baselineStart;

      // The hub, as its own process from the build output.
      const port = await freePort();
      hubProcess = startApp('hub', port, {
        HUB_ROLE: 'controller',
        HUB_PORT: String(port),
        HUB_HOST: '127.0.0.1',
        HUB_KUBECONFIG: hub.info.kubeconfigPath,
        HUB_NAMESPACE: 'kmm-hub',
        REDIS_URL: env.redis.url,
        QUEUE_PREFIX: `bench-${Date.now()}`,
        IMAGE_CHECK_TTL_S: '5',
        // Settled pairs are planned again within the steady-state window, which must then write nothing.
        RESYNC_INTERVAL_S: '5',
        RECONCILE_CONCURRENCY: String(CONCURRENCY),
      });
      const count = async () =>
        (
          await http.json<{ items: ManifestWork[] }>(
            'GET',
            `/apis/${RESOURCES.ManifestWork.apiVersion}/manifestworks`,
            { query: { labelSelector: 'kmm.node.kubernetes.io/managedclustermodule.name=gpu' } },
          )
        ).items;
      // The clock starts when the hub is ready to act: ready (informers synced) and holding the Lease, as /readyz
      // reports it.
      await expect.poll(() => hubLeads(port), { timeout: 30_000, interval: 200 }).toBe(true);
      // Counted from a watch, not by listing 1,000 objects every 200 ms: such polling would load the API server
      // (and the 2 cores) while the hub works, and the baseline is not polled either.
      const worksPath = `/apis/${RESOURCES.ManifestWork.apiVersion}/manifestworks`;
      const selector = 'kmm.node.kubernetes.io/managedclustermodule.name=gpu';
      const before = await http.json<{ metadata: { resourceVersion: string } }>('GET', worksPath, {
        query: { labelSelector: selector, limit: 1 },
      });
      const created = new Set<string>();
      let allCreated: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allCreated = resolve));
      const stopWatch = new AbortController();
      const watching = http
        .watch<ManifestWork>(
          worksPath,
          { labelSelector: selector, resourceVersion: before.metadata.resourceVersion },
          (ev) => {
            if (ev.type !== 'ADDED') return;
            created.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
            if (created.size >= CLUSTERS) allCreated();
          },
          stopWatch.signal,
        )
        .catch(() => undefined);
      const hubStart = performance.now();
      const hubStartIso = new Date().toISOString();
      const cpuAtStart = cpuSeconds(hubProcess.pid);
      await applier.apply(mcm);
      await Promise.race([
        done,
        watching.then(() => {
          throw new Error(`the ManifestWork watch ended after ${created.size} of ${CLUSTERS}`);
        }),
      ]);
      const hubMs = performance.now() - hubStart;
      const fanOutCpuS = cpuSeconds(hubProcess.pid) - cpuAtStart;
      // Where the hub's time goes, from the audit log: how long before its first ManifestWork write, and what else
      // it wrote meanwhile (the MCM's finalizer and status, Events).
      const fanOutWrites = clientWritesSince(hub.info.auditLogPath, hubStartIso);
      const mcmCreated = fanOutWrites.find((w) => w.objectRef?.resource === 'managedclustermodules');
      const firstWork = fanOutWrites.find((w) => w.objectRef?.resource === 'manifestworks');
      const firstWorkAfterS =
        mcmCreated && firstWork
          ? (Date.parse(firstWork.stageTimestamp) - Date.parse(mcmCreated.stageTimestamp)) / 1000
          : NaN;
      const otherWrites: Record<string, number> = {};
      for (const w of fanOutWrites.slice(1)) {
        if (w.objectRef?.resource === 'manifestworks') continue;
        const key = `${w.verb} ${w.objectRef?.resource}${w.objectRef?.subresource ? `/${w.objectRef.subresource}` : ''}`;
        otherWrites[key] = (otherWrites[key] ?? 0) + 1;
      }
      stopWatch.abort();
      await watching;
      expect((await count()).length).toBe(CLUSTERS);

      // Steady state: several cache expiries (5 s each) pass; the hub re-plans every cluster and must write nothing.
      await expect
        .poll(
          async () =>
            (
              await http.json<{ status?: { numberSelected?: number } }>(
                'GET',
                `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules/gpu`,
              )
            ).status?.numberSelected,
          { timeout: 120_000 },
        )
        .toBe(CLUSTERS);
      // Settled: the last status write and its aggregated Event are done once no client has written for a few
      // status-write intervals (1 s).
      const lastWriteAgeMs = () =>
        Date.now() - Date.parse(clientWritesSince(hub.info.auditLogPath, '').at(-1)?.stageTimestamp ?? '0');
      await expect.poll(lastWriteAgeMs, { timeout: 60_000, interval: 1_000 }).toBeGreaterThan(3_000);
      // The property is about a period, so it is a bounded observation: for three image-cache expiries (5 s each)
      // the hub re-plans every cluster and must write nothing; the first write ends it.
      const since = new Date().toISOString();
      await holdsFor(() => clientWritesSince(hub.info.auditLogPath, since).length === 0, {
        durationMs: 15_000,
        intervalMs: 2_500,
      });
      const steady = clientWritesSince(hub.info.auditLogPath, since);
      const steadyWrites = steady.length;
      for (const w of steady)
        process.stdout.write(`steady-state write: ${w.verb} ${w.requestURI} (${w.user.username})\n`);

      // A tag moves: kernel 0's tag gets a new image; every cluster on that kernel must be re-pinned.
      const moved = await pushImage(registry, repository, KERNELS[0]!, [
        { path: '/opt/new.ko', content: Buffer.from('new') },
      ]);
      const moveStart = performance.now();
      const onKernel0 = names.filter((_, i) => kernelOf(i) === KERNELS[0]).length;
      await expect
        .poll(
          async () =>
            (await count()).filter((mw) =>
              (
                (mw.spec?.workload?.manifests?.[0] as unknown as Module | undefined)?.spec?.moduleLoader?.container
                  .kernelMappings[0]?.containerImage ?? ''
              ).endsWith(moved.digest),
            ).length,
          { timeout: 300_000, interval: 250 },
        )
        .toBe(onKernel0);
      const moveMs = performance.now() - moveStart;
      const rss = rssMiB(hubProcess.pid);

      const report = [
        `# Hub fan-out benchmark (${new Date().toISOString()})`,
        '',
        `${CLUSTERS} ManagedClusters, ${KERNELS.length} kernels, 1 MCM, concurrency ${CONCURRENCY}, one kube-apiserver v1.35 on a shared etcd, 2 cores; the hub is the built controller role run with its image's node flags${process.env.BENCH_NODE_FLAGS ? ` and ${process.env.BENCH_NODE_FLAGS}` : ''}.`,
        '',
        '| measure | value |',
        '|---|---|',
        `| bare client: apply ${CLUSTERS} ManifestWorks | ${(baselineMs / 1000).toFixed(2)} s |`,
        `| hub: MCM created → ${CLUSTERS} ManifestWorks exist | ${(hubMs / 1000).toFixed(2)} s |`,
        `| **ratio hub / bare client** | **${(hubMs / baselineMs).toFixed(2)}** |`,
        `| hub CPU during the fan-out (user + system) | ${fanOutCpuS.toFixed(2)} s |`,
        `| … MCM created → the hub's first ManifestWork write | ${firstWorkAfterS.toFixed(2)} s |`,
        `| … the hub's other writes during the fan-out | ${Object.entries(otherWrites)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} |`,
        `| API writes during a 15 s steady-state window (leases excluded) | ${steadyWrites} |`,
        `| tag moved → ${onKernel0} ManifestWorks re-pinned (image cache TTL 5 s) | ${(moveMs / 1000).toFixed(2)} s |`,
        `| hub RSS after the run | ${rss} MiB |`,
      ].join('\n');
      process.stdout.write(`\n${report}\n`);
      mkdirSync(`${ROOT}bench/results`, { recursive: true });
      writeFileSync(`${ROOT}bench/results/fanout.md`, `${report}\n`);
      expect(steadyWrites).toBe(0);
    } finally {
      await hubProcess?.stop();
      await hub.stop();
    }
  }, 1_800_000);
});
