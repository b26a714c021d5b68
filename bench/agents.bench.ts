// Many spoke agents against one hub (issue 14, item 4). K built spoke-agent processes (default 5;
// BENCH_AGENTS=100 for the full run), each with its own hub identity (a client certificate of the environment CA),
// standalone (lease and ManagedCluster status, as without a klusterlet), spread over the environment's spoke API
// servers, each serving 20 ManifestWorks of a Module. Measured on a dedicated hub API server: the time from each
// ManifestWork's creation to its Applied condition (p50/p99), for all works created at once (throughput) and for
// works created one at a time (latency), then an idle window (BENCH_AGENTS_IDLE_S, default 60 s):
// the agents' requests to the hub per second by verb and resource, and the agents' RSS and CPU.
// Run: `npm run bench` (or `npx vitest run --project bench bench/agents.bench.ts` after `npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, RESOURCES, newModule, type ManifestWork } from '@kmm-hub/api';
import { Informer, KubeHttp, ServerSideApplier, resourcePath } from '@kmm-hub/kube';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';
import {
  applyManagedCluster,
  clusterKubeConfig,
  freePort,
  readAuditLog,
  startDedicatedCluster,
  waitUntil,
} from '@kmm-hub/test-env';
import { describe, expect, inject, it } from 'vitest';
import {
  cpuSeconds,
  formatVerbs,
  identityKubeconfig,
  machineLoad,
  pool,
  requestsOf,
  rssMiB,
  startApp,
  writeReport,
  type BenchProcess,
} from './harness.js';

const env = inject('env');
const AGENTS = Number(process.env.BENCH_AGENTS ?? 5);
const WORKS_PER_AGENT = 20;
const IDLE_S = Number(process.env.BENCH_AGENTS_IDLE_S ?? 60);
const CONCURRENCY = 8;
/** The one-at-a-time phase: this many works (at most two per agent), one every TRICKLE_GAP_MS. */
const TRICKLE_WORKS = 50;
const TRICKLE_GAP_MS = 500;
/** The agent's documented defaults (apps/spoke-agent/src/config/config.schema.ts), kept as they ship. */
const STATUS_SYNC_S = 10;
const CLUSTER_STATUS_S = 60;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

describe('many spoke agents', () => {
  it(`${AGENTS} agents with ${WORKS_PER_AGENT} ManifestWorks each`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmm-bench-agents-'));
    const hub = await startDedicatedCluster(env, 'agents');
    const kc = clusterKubeConfig(hub.info);
    const http = new KubeHttp(kc);
    const applier = new ServerSideApplier(kc, 'bench');
    const agents: BenchProcess[] = [];
    const load = [`start: ${machineLoad()}`];
    const names = Array.from({ length: AGENTS }, (_, k) => `agent-${String(k).padStart(3, '0')}`);
    const spokeOf = (k: number) => env.spokes[k % env.spokes.length]!;
    const created = new Map<string, number>();
    const appliedAfter = new Map<string, number>();
    const works = new Informer<ManifestWork>(http, { path: resourcePath(RESOURCES.ManifestWork) });
    const onWork = (mw: ManifestWork) => {
      const key = `${mw.metadata.namespace}/${mw.metadata.name}`;
      const at = created.get(key);
      if (at !== undefined && !appliedAfter.has(key) && decodeManifestWorkStatus(mw).applied)
        appliedAfter.set(key, performance.now() - at);
    };
    works.on('add', onWork).on('update', onWork);
    try {
      // Each agent: a hub namespace and ManagedCluster, a namespace on its spoke for its Modules, its own identity.
      await pool(names, CONCURRENCY, async (name) => {
        await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
        await applyManagedCluster(applier, { name, labels: { fleet: 'agents' } });
      });
      for (const spoke of env.spokes) {
        const spokeApplier = new ServerSideApplier(clusterKubeConfig(spoke), 'bench');
        await pool(names, CONCURRENCY, (name) =>
          spokeApplier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
        );
      }
      const kubeconfigs = names.map((name) => identityKubeconfig(env.pkiDir, dir, hub.info, name));
      works.start();
      await works.synced;

      for (const [k, name] of names.entries()) {
        const port = await freePort();
        agents.push(
          startApp('spoke-agent', port, {
            SPOKE_PORT: String(port),
            SPOKE_HOST: '127.0.0.1',
            CLUSTER_NAME: name,
            AGENT_ID: name,
            HUB_KUBECONFIG: kubeconfigs[k]!,
            SPOKE_KUBECONFIG: spokeOf(k).kubeconfigPath,
            AGENT_NAMESPACE: name,
            STANDALONE: 'true',
            // Several agents share a spoke here: only the work agent runs, so no two agents turn the same Modules
            // into DaemonSets.
            MODULE_RECONCILER: 'false',
          }),
        );
      }
      await pool(agents, CONCURRENCY, (a) =>
        waitUntil(`spoke agent on ${a.port}`, async () => (await fetch(`http://127.0.0.1:${a.port}/healthz`)).ok, {
          timeoutMs: 300_000,
        }),
      );
      const startCpu = agents.map((a) => cpuSeconds(a.pid));
      load.push(`agents up: ${machineLoad()}`);

      // ManifestWorks as the hub writes them, one Module each, created at the bench's concurrency.
      const items = names.flatMap((name) =>
        Array.from({ length: WORKS_PER_AGENT }, (_, j) => ({ name, work: `${name}-w${String(j).padStart(2, '0')}` })),
      );
      const applyStart = performance.now();
      const createWork = async ({ name, work }: { name: string; work: string }) => {
        const module = newModule({ metadata: { name: work, namespace: name } });
        module.spec.selector = { [`kmm-bench/${name}`]: 'none' };
        module.spec.moduleLoader.container.kernelMappings = [
          { literal: '6.1.0-13-amd64', containerImage: `registry.example/${work}@sha256:${'c3'.repeat(32)}` },
        ];
        const at = performance.now();
        await http.json('POST', resourcePath(RESOURCES.ManifestWork, { namespace: name }), {
          body: {
            apiVersion: RESOURCES.ManifestWork.apiVersion,
            kind: 'ManifestWork',
            metadata: { name: work, namespace: name, labels: { [LABELS.managedClusterModuleName]: work } },
            spec: { workload: { manifests: [module] } },
          },
        });
        created.set(`${name}/${work}`, at);
      };
      await pool(items, CONCURRENCY, createWork);
      await expect.poll(() => appliedAfter.size, { timeout: 600_000, interval: 250 }).toBe(items.length);
      const allAppliedMs = performance.now() - applyStart;
      const latencies = [...appliedAfter.values()].toSorted((a, b) => a - b);
      const applyCpu = agents.map((a, k) => cpuSeconds(a.pid) - startCpu[k]!);
      load.push(`all applied: ${machineLoad()}`);

      // Latency as a user sees it when a change reaches some clusters: one ManifestWork at a time, every
      // TRICKLE_GAP_MS, round-robin over the agents (the burst above measures throughput: its p99 is the time the
      // last of the burst waits behind all the others on 2 cores).
      const trickle = Array.from({ length: Math.min(TRICKLE_WORKS, AGENTS * 2) }, (_, j) => ({
        name: names[j % AGENTS]!,
        work: `${names[j % AGENTS]}-t${String(j).padStart(3, '0')}`,
      }));
      for (const item of trickle) {
        await createWork(item);
        await new Promise((r) => setTimeout(r, TRICKLE_GAP_MS));
      }
      await expect
        .poll(() => appliedAfter.size, { timeout: 120_000, interval: 250 })
        .toBe(items.length + trickle.length);
      const trickleLatencies = trickle
        .map(({ name, work }) => appliedAfter.get(`${name}/${work}`)!)
        .toSorted((a, b) => a - b);
      load.push(`trickle applied: ${machineLoad()}`);

      // Idle: nothing changes; the agents' requests to the hub.
      const idleFrom = new Date().toISOString();
      const idleCpu0 = agents.map((a) => cpuSeconds(a.pid));
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const idleCpu = agents.map((a, k) => cpuSeconds(a.pid) - idleCpu0[k]!);
      const rss = agents.map((a) => rssMiB(a.pid));
      const idle = names.map((name) => requestsOf(hub.info.auditLogPath, name, idleFrom));
      load.push(`end: ${machineLoad()}`);
      // Where the latency goes, from the hub's audit log: created → the agent's first write on the work (its
      // finalizer) → its status write with Applied.
      const phases = { pickup: [] as number[], apply: [] as number[] };
      const audit = readAuditLog(hub.info.auditLogPath).filter(
        (e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'manifestworks' && e.verb !== 'get',
      );
      const at = (e: { stageTimestamp: string }) => Date.parse(e.stageTimestamp);
      const byWork = new Map<string, typeof audit>();
      for (const e of audit) {
        const key = `${e.objectRef?.namespace}/${e.objectRef?.name}`;
        byWork.set(key, [...(byWork.get(key) ?? []), e]);
      }
      for (const events of byWork.values()) {
        const create = events.find((e) => e.verb === 'create');
        const touch = events.find((e) => e.user.username.startsWith('agent-') && e.objectRef?.subresource !== 'status');
        const status = events.find(
          (e) => e.user.username.startsWith('agent-') && e.objectRef?.subresource === 'status',
        );
        if (create && touch) phases.pickup.push(at(touch) - at(create));
        if (touch && status) phases.apply.push(at(status) - at(touch));
      }
      const p50p99 = (xs: number[]) => {
        const sorted = xs.toSorted((a, b) => a - b);
        return sorted.length === 0 ? '—' : `${percentile(sorted, 0.5)} / ${percentile(sorted, 0.99)} ms`;
      };
      const total: Record<string, number> = {};
      for (const r of idle) for (const [k, v] of Object.entries(r.byVerbResource)) total[k] = (total[k] ?? 0) + v;
      const requestsIdle = Object.values(total).reduce((a, b) => a + b, 0);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const stats = (xs: number[], unit: string, digits = 0) =>
        `mean ${(sum(xs) / xs.length).toFixed(digits)} ${unit}, max ${Math.max(...xs).toFixed(digits)} ${unit}`;
      writeReport(process.env.BENCH_AGENTS_REPORT ?? 'agents', [
        `# Many spoke agents against one hub (${new Date().toISOString()})`,
        '',
        `Command: \`BENCH_AGENTS=${AGENTS} BENCH_AGENTS_IDLE_S=${IDLE_S} npx vitest run --project bench bench/agents.bench.ts\` (after \`npm run build\`).`,
        `${AGENTS} built spoke-agent processes (run with the image's node flags), standalone, work agent only (MODULE_RECONCILER=false: agents share ${env.spokes.length} spoke API servers), each with its own hub client certificate; ${WORKS_PER_AGENT} ManifestWorks (one Module each) per agent = ${items.length}, created by one client at concurrency ${CONCURRENCY} on a dedicated hub kube-apiserver v1.35; agent defaults as shipped (status sync ${STATUS_SYNC_S} s, cluster status ${CLUSTER_STATUS_S} s, Lease ${CLUSTER_STATUS_S} s, resync 240 s). 2 cores shared with other work.`,
        '',
        '| measure | value |',
        '|---|---|',
        `| one at a time (${trickle.length} works, one every ${TRICKLE_GAP_MS} ms over the agents): created → Applied, p50 / p99 / max | ${percentile(trickleLatencies, 0.5).toFixed(0)} / ${percentile(trickleLatencies, 0.99).toFixed(0)} / ${trickleLatencies.at(-1)!.toFixed(0)} ms (target p99 ≤ 2,000 ms) |`,
        `| burst (all ${items.length} created at concurrency ${CONCURRENCY}): created → Applied, p50 / p99 / max | ${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.99).toFixed(0)} / ${latencies.at(-1)!.toFixed(0)} ms |`,
        `| … (burst and one at a time) created → the agent's first write on it (finalizer), p50 / p99 | ${p50p99(phases.pickup)} |`,
        `| … (burst and one at a time) first write → first status write (apply on the spoke), p50 / p99 | ${p50p99(phases.apply)} |`,
        `| all ${items.length} created and Applied | ${(allAppliedMs / 1000).toFixed(2)} s |`,
        `| agents' hub requests while idle (${IDLE_S} s) | ${requestsIdle} = **${(requestsIdle / IDLE_S).toFixed(2)} /s** (${(requestsIdle / IDLE_S / AGENTS).toFixed(3)} /s per agent) |`,
        `| … by verb and resource | ${formatVerbs(total)} |`,
        `| agent RSS after idle | ${stats(rss, 'MiB')} |`,
        `| agent CPU to start and apply its ${WORKS_PER_AGENT} works | ${stats(applyCpu, 's', 2)} |`,
        `| agent CPU while idle | ${stats(
          idleCpu.map((c) => (c * 60) / IDLE_S),
          's/min',
          3,
        )} |`,
        '',
        `Machine load: ${load.join('; ')}.`,
      ]);
      expect(latencies.length).toBe(items.length);
      expect(trickleLatencies.every((l) => l > 0)).toBe(true);
    } finally {
      await Promise.all(agents.map((a) => a.stop()));
      await works.stop();
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});
