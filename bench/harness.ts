// What the benchmarks share: a bounded pool, the hub and agents as processes from the build output under their own
// API identity (so the audit log tells their requests from the benchmark's), their CPU and RSS from /proc, API
// requests by verb from the audit log, and the machine's load. Not a benchmark itself (`*.bench.ts` only are run).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createCertificateAuthority, createClientCert, readAuditLog, type ClusterInfo } from '@kmm-hub/test-env';

export const ROOT = new URL('../', import.meta.url).pathname;

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The 1-minute load average and the core count, as the reports note them (CPU is shared with other work). */
export function machineLoad(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} (1/5/15 min)`;
}

/**
 * A kubeconfig for `cluster` that authenticates as `user` in system:masters with a client certificate of the
 * environment CA, so that the audit log tells that process's requests from the benchmark's own (admin token).
 */
export function identityKubeconfig(pkiDir: string, dir: string, cluster: ClusterInfo, user: string): string {
  const ca = createCertificateAuthority(pkiDir);
  const cert = createClientCert(ca, dir, user, ['system:masters']);
  const path = join(dir, `${user}.kubeconfig`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: cluster.server,
            'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64'),
          },
        },
      ],
      users: [{ name: user, user: { 'client-certificate': cert.certPath, 'client-key': cert.keyPath } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user } }],
    }),
  );
  return path;
}

export interface BenchProcess {
  proc: ChildProcess;
  pid: number;
  port: number;
  startedAt: number;
  /** Resolves when the process has exited (after `stop`). */
  stop(): Promise<void>;
}

/**
 * The node arguments the image of `target` runs (its exec-form ENTRYPOINT in deploy/Containerfile), so that what is
 * measured runs with the V8 flags that ship. The image's /app mirrors the repository, so its paths resolve from ROOT.
 */
export function imageEntrypoint(target: 'hub' | 'spoke-agent'): string[] {
  const containerfile = readFileSync(`${ROOT}deploy/Containerfile`, 'utf8');
  const stage = containerfile.slice(containerfile.search(new RegExp(`^FROM \\S+ AS ${target}$`, 'm')));
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(stage)?.[1];
  if (line === undefined) throw new Error(`deploy/Containerfile has no exec-form ENTRYPOINT in target ${target}`);
  const [command, ...args] = JSON.parse(line) as string[];
  if (command !== 'node') throw new Error(`the ${target} image runs ${command}, not node`);
  return args;
}

/**
 * Starts an app from the build output as its image runs it; its stderr goes to the benchmark's (LOG_LEVEL warn
 * unless `vars` says otherwise).
 */
export function startApp(app: 'hub' | 'spoke-agent', port: number, vars: Record<string, string>): BenchProcess {
  const startedAt = performance.now();
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process, written when it exits (to find where the time goes).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_FLAGS: node flags put before the image's, to compare V8 settings (e.g. --max-semi-space-size=2) or
  // take heap snapshots (--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>).
  const extra = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...profile, ...extra, ...imageEntrypoint(app)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...vars },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    pid: proc.pid!,
    port,
    startedAt,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether the hub is ready (informers synced) and holds the Lease, as its /readyz reports it. */
export async function hubLeads(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
  const body = (await res?.json().catch(() => undefined)) as { info?: { leader?: { leader?: boolean } } } | undefined;
  return res?.status === 200 && body?.info?.leader?.leader === true;
}

/** A metric of the hub's /metrics summed over its series (prom-client default metrics are prefixed kmm_hub_). */
export async function hubMetric(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return lines.length === 0 ? undefined : lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export interface RequestCounts {
  /** verb → count, e.g. { list: 12, watch: 12, patch: 5000 }. */
  byVerb: Record<string, number>;
  /** "verb resource[/subresource]" → count. */
  byVerbResource: Record<string, number>;
  /** Writes (create, update, patch, delete) other than Lease renewals. */
  writes: number;
  /** Lease writes (leader election). */
  leaseWrites: number;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The requests `user` made in [from, to) (ISO times) as the API server audited them (ResponseComplete only). */
export function requestsOf(auditLogPath: string, user: string, from: string, to = '9999'): RequestCounts {
  const counts: RequestCounts = { byVerb: {}, byVerbResource: {}, writes: 0, leaseWrites: 0 };
  for (const e of readAuditLog(auditLogPath, { username: user })) {
    // Watches are audited when they end (ResponseComplete) and when they start (ResponseStarted): count starts.
    const counted = e.verb === 'watch' ? e.stage === 'ResponseStarted' : e.stage === 'ResponseComplete';
    if (!counted || e.stageTimestamp < from || e.stageTimestamp >= to) continue;
    const sub = e.objectRef?.subresource;
    const resource = `${e.objectRef?.resource ?? e.requestURI}${sub ? `/${sub}` : ''}`;
    counts.byVerb[e.verb] = (counts.byVerb[e.verb] ?? 0) + 1;
    const key = `${e.verb} ${resource}`;
    counts.byVerbResource[key] = (counts.byVerbResource[key] ?? 0) + 1;
    if (!WRITE_VERBS.has(e.verb)) continue;
    if (e.objectRef?.resource === 'leases') counts.leaseWrites++;
    else counts.writes++;
  }
  return counts;
}

export function formatVerbs(byVerb: Record<string, number>): string {
  const entries = Object.entries(byVerb).toSorted(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '—' : entries.map(([v, n]) => `${v} ${n}`).join(', ');
}

/** Writes a report to bench/results/<name>.md and echoes it. */
export function writeReport(name: string, lines: string[]): void {
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/${name}.md`, text);
}
