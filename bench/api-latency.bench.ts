// Latency of the fleet REST API (issue 6), side by side with the bare alternative in one run: what an operator or
// a dashboard without KMM-Hub would do to answer the same question, i.e. read the objects straight from the hub
// kube-apiserver (with an admin token, no OIDC). The API answers from its informer caches and verifies a JWT on
// every request. Fleet: BENCH_API_CLUSTERS ManagedClusters (default 200), two MCMs. Run: `npm run bench`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { RESOURCES, newLoaderManagedClusterModule } from '@kmm-hub/api';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage } from '@kmm-hub/test-env';
import { describe, expect, inject, it } from 'vitest';
import { startFleetUnderTest } from '../apps/hub/src/testing/fleet-under-test.testing.js';

const env = inject('env');
const CLUSTERS = Number(process.env.BENCH_API_CLUSTERS ?? 200);
const REQUESTS = 200;
const KERNELS = ['6.1.0-56-amd64', '6.1.0-57-amd64'];
const ROOT = new URL('../', import.meta.url).pathname;

interface Latency {
  p50: number;
  p99: number;
}

/** p50 and p99 of sequential calls, after a few warm-up calls. */
async function measure(call: () => Promise<void>): Promise<Latency> {
  for (let i = 0; i < 10; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  const sorted = times.toSorted((a, b) => a - b);
  return { p50: sorted[Math.floor(REQUESTS * 0.5)]!, p99: sorted[Math.floor(REQUESTS * 0.99)]! };
}

async function fetchOk(url: string, token: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
}

describe('fleet API latency', () => {
  it(`answers for ${CLUSTERS} clusters next to reading the API server directly`, async () => {
    const names = Array.from({ length: CLUSTERS }, (_, i) => `api-${String(i).padStart(4, '0')}`);
    const f = await startFleetUnderTest(env, 'bench-api', names);
    try {
      const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
      const repository = `bench-api/${Date.now()}`;
      for (const k of KERNELS)
        await pushImage(registry, `${repository}/gpu`, k, [{ path: `/opt/${k}.ko`, content: Buffer.from(k) }]);
      for (const [i, name] of names.entries()) {
        await f.applyCluster(name, { fleet: 'bench', half: String(i % 2) }, [KERNELS[i % 2]!], true);
      }
      for (const [mcm, selector] of [
        ['gpu', { fleet: 'bench' }],
        ['nic', { half: '0' }],
      ] as const) {
        await f.applier.apply(
          newLoaderManagedClusterModule({
            name: mcm,
            selector,
            regexp: '^6\\.1\\.',
            image: `${env.registry.host}/${repository}/gpu:\${KERNEL_FULL_VERSION}`,
          }),
        );
      }
      await expect
        .poll(async () => (await f.getMcm('gpu')).status?.numberDesired, { timeout: 300_000, interval: 1_000 })
        .toBe(CLUSTERS);

      const api = (path: string) => () => fetchOk(`${f.api.url}${path}`, f.tokens.viewer);
      const mcms = `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules`;
      const clusters = `/apis/${RESOURCES.ManagedCluster.apiVersion}/managedclusters`;
      const works = `/apis/${RESOURCES.ManifestWork.apiVersion}/manifestworks`;
      const bare =
        (...paths: string[]) =>
        async () => {
          for (const p of paths) await f.http.json('GET', p);
        };
      // Each row: the API route and the reads that answer the same question without KMM-Hub.
      const rows: [string, () => Promise<void>, string, () => Promise<void>][] = [
        [
          'GET /api/v1/fleet',
          api('/api/v1/fleet'),
          'LIST MCMs + ManagedClusters + ManifestWorks',
          bare(mcms, clusters, works),
        ],
        [
          'GET /api/v1/modules/gpu',
          api('/api/v1/modules/gpu'),
          'GET MCM + LIST its ManifestWorks',
          bare(`${mcms}/gpu`, `${works}?labelSelector=kmm.node.kubernetes.io%2Fmanagedclustermodule.name%3Dgpu`),
        ],
        ['GET /api/v1/clusters', api('/api/v1/clusters?limit=500'), 'LIST ManagedClusters', bare(clusters)],
        [
          'GET /api/v1/clusters/api-0001',
          api('/api/v1/clusters/api-0001'),
          'GET ManagedCluster + LIST MCMs',
          bare(`${clusters}/api-0001`, mcms),
        ],
      ];
      const lines: string[] = [];
      for (const [route, viaApi, what, viaBare] of rows) {
        // Interleaved, so a slow moment of the machine hits both sides alike.
        const a = await measure(viaApi);
        const b = await measure(viaBare);
        const a2 = await measure(viaApi);
        const b2 = await measure(viaBare);
        const apiP50 = (a.p50 + a2.p50) / 2;
        const bareP50 = (b.p50 + b2.p50) / 2;
        lines.push(
          `| ${route} | ${apiP50.toFixed(2)} ms (p99 ${Math.max(a.p99, a2.p99).toFixed(1)}) | ${what} | ` +
            `${bareP50.toFixed(2)} ms (p99 ${Math.max(b.p99, b2.p99).toFixed(1)}) | **${(apiP50 / bareP50).toFixed(2)}** |`,
        );
      }
      const report = [
        `# Fleet API latency benchmark (${new Date().toISOString()})`,
        '',
        `${CLUSTERS} ManagedClusters, 2 MCMs (${CLUSTERS} and ${CLUSTERS / 2} clusters), ${REQUESTS} sequential ` +
          'requests per measurement, each side measured twice, interleaved, in one run, 2 cores. API: role api, ' +
          'JWT (RS256) verified on every request, answers from informer caches. Bare: the same reads straight from ' +
          'the hub kube-apiserver with an admin token (what a client without KMM-Hub does).',
        '',
        '| API route | API p50 | bare reads | bare p50 | ratio API / bare |',
        '|---|---|---|---|---|',
        ...lines,
      ].join('\n');
      console.info(report);
      mkdirSync(`${ROOT}bench/results`, { recursive: true });
      writeFileSync(`${ROOT}bench/results/api-latency.md`, `${report}\n`);
    } finally {
      await f.stop();
    }
  });
});
