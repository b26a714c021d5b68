// Footprint of the built agent process (apps/spoke-agent/dist, `npm run build` first) serving 50 ManifestWorks, each
// carrying a Module as the hub sends it, on the real hub and spoke-2: resident memory once everything is applied,
// run exactly as the image runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { newModule, type ManifestWork } from '@kmm-hub/api';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';
import { adminHttp, createNamespace, manifestWorkPath, newManifestWork, uniqueName } from './spoke-agent.testing.js';

const env = inject('env');
const ROOT = new URL('../../../', import.meta.url).pathname;
const ENTRY = `${ROOT}apps/spoke-agent/dist/main.js`;

/**
 * The command the image runs (the ENTRYPOINT of target spoke-agent), so the flags measured here are the flags shipped. The image's
 * /app mirrors the repository layout, so its relative paths resolve from the repository root.
 */
function imageEntrypoint(): string[] {
  const containerfile = readFileSync(`${ROOT}deploy/Containerfile`, 'utf8');
  const target = containerfile.slice(containerfile.search(/^FROM \S+ AS spoke-agent$/m));
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(target)?.[1];
  if (line === undefined) throw new Error('deploy/Containerfile has no exec-form ENTRYPOINT in target spoke-agent');
  const [command, ...args] = JSON.parse(line) as string[];
  if (command !== 'node') throw new Error(`the spoke-agent image runs ${command}, not node`);
  return args;
}
const WORKS = 50;

/**
 * The budget is the memory request of the agent's Deployment: an idle agent must fit what it asks the scheduler
 * for. Where it went on Node 20 (measured): an empty `node` ~40 MiB, NestJS ~22 MiB, zod, pino, yaml ~8 MiB, the
 * informer caches and 50 works the rest. Node 24 takes ~14 MiB more for the same module graph (measured by importing
 * the agent's module: 66 MiB resident on Node 20.20.2, 80 MiB on 24.22.3, both official builds), most of it outside
 * the V8 heap. --lite-mode and a 1 MiB semi-space (the image's ENTRYPOINT) take ~20 MiB
 * off what default V8 settings keep resident; @kubernetes/client-node is not loaded at run time (~40 MiB more).
 */
function deploymentMemoryRequestMiB(): number {
  const manifest = readFileSync(`${ROOT}deploy/spoke-agent/deployment.yaml`, 'utf8');
  const request = /requests:\s*\n(?:\s+\w+: \S+\n)*?\s+memory: (\d+)Mi\n/.exec(manifest)?.[1];
  if (request === undefined) throw new Error('deploy/spoke-agent/deployment.yaml has no memory request in Mi');
  return Number(request);
}
const RSS_BUDGET_MB = deploymentMemoryRequestMiB();

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS and VmHWM (peak) of a process, in MiB, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

describe('spoke agent footprint', () => {
  it(
    `stays within ${RSS_BUDGET_MB} MiB resident with ${WORKS} ManifestWorks applied and idle`,
    { timeout: 180_000 },
    async () => {
      expect(existsSync(ENTRY), `${ENTRY} missing: run npm run build first`).toBe(true);
      const spoke = env.spokes[1]!;
      const hub = adminHttp(env.hub);
      const cluster = uniqueName('footprint');
      await createNamespace(env.hub, cluster);
      await createNamespace(spoke, cluster);
      for (let i = 0; i < WORKS; i++) {
        const module = newModule({ metadata: { name: `mod-${i}`, namespace: cluster } });
        module.spec.selector = { [`kmm-test/${cluster}`]: 'none' };
        module.spec.moduleLoader.container.kernelMappings = [
          { literal: '6.1.0-13-amd64', containerImage: `registry.example/mod-${i}@sha256:${'c3'.repeat(32)}` },
        ];
        await hub.json('POST', manifestWorkPath(cluster), {
          body: newManifestWork(cluster, `mod-${i}`, [module as unknown as Record<string, unknown>]),
        });
      }

      const child = spawn(process.execPath, imageEntrypoint(), {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          CLUSTER_NAME: cluster,
          AGENT_ID: cluster,
          HUB_KUBECONFIG: env.hub.kubeconfigPath,
          SPOKE_KUBECONFIG: spoke.kubeconfigPath,
          SPOKE_HOST: '127.0.0.1',
          SPOKE_PORT: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      });
      children.push(child);
      const pid = child.pid ?? 0;

      const applied = async () => {
        const list = await hub.json<{ items: ManifestWork[] }>('GET', manifestWorkPath(cluster));
        return list.items.filter((w) => decodeManifestWorkStatus(w).applied && decodeManifestWorkStatus(w).available)
          .length;
      };
      await expect.poll(applied, { timeout: 120_000, interval: 500 }).toBe(WORKS);
      const convergeCpu = cpuSecondsOf(pid);

      // Idle: sample for a couple of status-sync periods (10 s each by default) after everything converged.
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(memoryOf(pid).rss), 500);
      await expect.poll(() => samples.length, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(50);
      clearInterval(sampler);
      const { rss, peak } = memoryOf(pid);
      const idleCpu = cpuSecondsOf(pid) - convergeCpu;
      console.info(
        `[spoke-agent footprint] ${WORKS} ManifestWorks: RSS ${rss.toFixed(1)} MiB now, ${Math.max(...samples).toFixed(1)} MiB max while idle, ` +
          `${peak.toFixed(1)} MiB peak since start; CPU ${convergeCpu.toFixed(2)} s to start and apply all, ` +
          `${idleCpu.toFixed(2)} s over ${samples.length / 2} s idle (Node ${process.versions.node}, ` +
          `${imageEntrypoint().join(' ')})`,
      );
      expect(Math.max(...samples)).toBeLessThanOrEqual(RSS_BUDGET_MB);
    },
  );
});
