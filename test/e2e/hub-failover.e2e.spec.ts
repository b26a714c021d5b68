// Leader failover of the real hub processes (apps/hub/dist, `npm run build` first): two controllers on one hub API
// server, the leader SIGKILLed (no Lease release, no shutdown hook), and the standby must take over once the
// Lease expires and carry on planning.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { V1Lease } from '@kubernetes/client-node';
import { newLoaderManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import {
  applyManagedCluster,
  clusterKubeConfig,
  freePort,
  pushImage,
  startDedicatedCluster,
  type DedicatedCluster,
} from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const env = inject('env');
const ROOT = new URL('../../', import.meta.url).pathname;
const NAMESPACE = 'kmm-hub';
const LEASE_S = 3;
const KERNEL = '6.1.0-56-amd64';
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/kmm-hub-controller`;

describe('hub leader failover', () => {
  let cluster: DedicatedCluster;
  let http: KubeHttp;
  let applier: ServerSideApplier;
  const hubs = new Map<string, ChildProcess>();
  const repository = `failover/${Date.now()}`;

  const startHub = async (name: string) => {
    const child = spawn(process.execPath, ['apps/hub/dist/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HUB_ROLE: 'controller',
        HUB_HOST: '127.0.0.1',
        HUB_PORT: String(await freePort()),
        HUB_KUBECONFIG: cluster.info.kubeconfigPath,
        HUB_NAMESPACE: NAMESPACE,
        REDIS_URL: env.redis.url,
        QUEUE_PREFIX: `failover-${Date.now()}`,
        LEASE_DURATION_S: String(LEASE_S),
        POD_NAME: name,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    hubs.set(name, child);
  };
  const holder = async () => (await http.json<V1Lease>('GET', LEASE_PATH).catch(() => undefined))?.spec?.holderIdentity;
  const literals = async (ns: string) => {
    const mw = await http
      .json<ManifestWork>('GET', `/apis/work.open-cluster-management.io/v1/namespaces/${ns}/manifestworks/fo`)
      .catch(() => undefined);
    const module = mw?.spec?.workload?.manifests?.[0] as
      { spec?: { moduleLoader?: { container?: { kernelMappings?: { literal?: string }[] } } } } | undefined;
    return module?.spec?.moduleLoader?.container?.kernelMappings?.map((m) => m.literal);
  };

  beforeAll(async () => {
    expect(existsSync(`${ROOT}apps/hub/dist/main.js`), 'run npm run build first').toBe(true);
    cluster = await startDedicatedCluster(env, 'failover');
    const kc = clusterKubeConfig(cluster.info);
    http = new KubeHttp(kc);
    applier = new ServerSideApplier(kc, 'failover-test');
    for (const ns of [NAMESPACE, 'edge-1', 'edge-2']) {
      await http.json('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
    }
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    await pushImage(registry, repository, KERNEL, [{ path: '/opt/fo.ko', content: Buffer.from('fo') }]);
  }, 120_000);

  afterAll(async () => {
    for (const child of hubs.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await cluster?.stop();
  });

  it('a SIGKILLed leader is replaced within the lease duration and the standby carries on', async () => {
    await startHub('hub-a');
    await expect.poll(holder, { timeout: 30_000, interval: 200 }).toBe('hub-a');
    await startHub('hub-b');
    await applyManagedCluster(applier, { name: 'edge-1', labels: { failover: 'yes' }, kernels: [KERNEL] });
    await applier.apply(
      newLoaderManagedClusterModule({
        name: 'fo',
        selector: { failover: 'yes' },
        regexp: '^6\\.1\\.',
        image: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}`,
      }),
    );
    await expect.poll(() => literals('edge-1'), { timeout: 30_000, interval: 200 }).toEqual([KERNEL]);
    expect(await holder()).toBe('hub-a');

    const killedAt = Date.now();
    hubs.get('hub-a')!.kill('SIGKILL');
    await expect.poll(holder, { timeout: 30_000, interval: 100 }).toBe('hub-b');
    const tookOverMs = Date.now() - killedAt;
    // The Lease was not released: the standby waits for it to expire, then at most one retry period more.
    expect(tookOverMs).toBeGreaterThanOrEqual((LEASE_S - 1) * 1000);
    expect(tookOverMs).toBeLessThan((LEASE_S * 2 + 2) * 1000);

    await applyManagedCluster(applier, { name: 'edge-2', labels: { failover: 'yes' }, kernels: [KERNEL] });
    await expect.poll(() => literals('edge-2'), { timeout: 30_000, interval: 200 }).toEqual([KERNEL]);
    console.info(`[hub failover] SIGKILL of the leader → standby leading after ${tookOverMs} ms (lease ${LEASE_S} s)`);
  });
});
