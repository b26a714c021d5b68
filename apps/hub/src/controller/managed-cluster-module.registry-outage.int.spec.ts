// One slow or failing registry must not stall the fleet (issue 10 item 1). Beside a healthy MCM, three MCMs on the
// same clusters name images in registries that misbehave: a peer that accepts connections and never answers, one
// that answers 500 to everything, and the real htpasswd registry asked with a wrong password. The healthy MCM must
// converge about as fast as it does alone, although image checks may take IMAGE_CHECK_TIMEOUT_S (60 s here);
// the others must say `Checking`, then the failure with its backoff, and ask their registry ever less often.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TestingModule } from '@nestjs/testing';
import { HealthCheckService } from '@nestjs/terminus';
import { LABELS, RESOURCES, newLoaderManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import { RegistryClient } from '@kmm-hub/oci';
import { clientNodeConfig, pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HubHealthIndicators } from '../health/hub-health.indicators.js';
import { HubMetrics } from '../health/metrics.js';
import { HUB_NAMESPACE, startHubUnderTest, type HubUnderTest } from './hub-under-test.testing.js';
import type { ManagedClusterModuleReconciler } from './managed-cluster-module.reconciler.js';

const env = inject('env');
const KERNEL = '6.1.0-56-amd64';
const CLUSTERS = Array.from({ length: 12 }, (_, i) => `outage-${i + 1}`);
const SELECTOR = { outage: 'yes' };
const TIMEOUT_S = 60;
const repository = `registry-outage/${Date.now()}`;

/** A peer that accepts TCP connections and never answers; `end` closes them and stops accepting. */
async function startHangingPeer(): Promise<{ host: string; held: Set<Socket>; accepted: () => number; end(): void }> {
  const held = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    accepted: () => accepted,
    end() {
      server.close();
      for (const socket of held) socket.destroy();
    },
  };
}

/** A peer that answers every request with 500, recording when each arrived. */
async function startFailingPeer(): Promise<{ host: string; requests: number[]; server: HttpServer }> {
  const requests: number[] = [];
  const server = createHttpServer((_req, res) => {
    requests.push(Date.now());
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend unavailable' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** A TCP relay to the real registry that can be switched to hold every connection without answering. */
async function startSwitchableRelay(target: string): Promise<{ host: string; hang(): void; stop(): void }> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  let hanging = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (hanging) return;
    const upstream = createConnection({ host: targetHost, port: Number(targetPort) });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hang() {
      hanging = true;
      // Pooled keep-alive connections would still pass: cut them, new ones hang.
      for (const socket of open) socket.destroy();
    },
    stop() {
      server.close();
      for (const socket of open) socket.destroy();
    },
  };
}

/** Times of the registry's log lines for requests with a wrong password to this repository. */
function wrongPasswordRequests(repo: string): number[] {
  return readFileSync(env.authRegistry.logPath!, 'utf8')
    .split('\n')
    .filter((l) => l.includes('msg="error authenticating user') && l.includes(`vars.name=${repo} `))
    .map((l) => Date.parse(/time="([^"]+)"/.exec(l)![1]!));
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('image checks against registries that hang or fail', () => {
  let t: HubUnderTest;
  let app: TestingModule;
  let sut: ManagedClusterModuleReconciler;
  let hanging: Awaited<ReturnType<typeof startHangingPeer>>;
  let failing: Awaited<ReturnType<typeof startFailingPeer>>;
  let relay: Awaited<ReturnType<typeof startSwitchableRelay>>;
  let digest: string;
  const unauthorizedRepo = `${repository}/unauthorized`;
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
  const mcm = (name: string, image: string) =>
    newLoaderManagedClusterModule({ name, selector: SELECTOR, regexp: '^6\\.1\\.', image });
  const healthy = (name: string) => mcm(name, `${env.registry.host}/${repository}/healthy:\${KERNEL_FULL_VERSION}`);
  const kernelsOf = async (name: string) =>
    ((await t.getMcm(name)).status?.clusters ?? []).map((c) => c.kernels?.[0]).filter((k) => k !== undefined);
  const worksOf = async (name: string) =>
    (
      await t.http.json<{ items: ManifestWork[] }>(
        'GET',
        `/apis/${RESOURCES.ManifestWork.apiVersion}/manifestworks?labelSelector=${encodeURIComponent(`${LABELS.managedClusterModuleName}=${name}`)}`,
      )
    ).items;
  const pinnedImage = (mw: ManifestWork) =>
    (mw.spec?.workload?.manifests?.[0] as unknown as Module | undefined)?.spec?.moduleLoader?.container
      .kernelMappings[0]?.containerImage;

  /** Every cluster has the ManifestWork with the digest, and status shows every cluster's kernel Ready. */
  async function converged(name: string, image: string): Promise<boolean> {
    const works = await worksOf(name);
    const kernels = await kernelsOf(name);
    return (
      works.filter((mw) => pinnedImage(mw) === image).length === CLUSTERS.length &&
      kernels.length === CLUSTERS.length &&
      kernels.every((k) => k.state === 'Ready' && k.digest === digest)
    );
  }

  async function timeToConverge(name: string): Promise<number> {
    const started = Date.now();
    await t.applier.apply(healthy(name));
    await expect
      .poll(() => converged(name, `${env.registry.host}/${repository}/healthy@${digest}`), {
        timeout: 45_000,
        interval: 100,
      })
      .toBe(true);
    return Date.now() - started;
  }

  async function metricValue(metric: string, registryHost: string): Promise<number | undefined> {
    const text = await app.get(HubMetrics).registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${metric}{registry="${registryHost}"}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  }

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'registry-outage', CLUSTERS);
    ({ digest } = await pushImage(registry, `${repository}/healthy`, KERNEL, [
      { path: '/opt/lib/modules/healthy.ko', content: Buffer.from('healthy') },
    ]));
    hanging = await startHangingPeer();
    failing = await startFailingPeer();
    relay = await startSwitchableRelay(env.registry.host);
    const auth = env.authRegistry;
    const dockerConfig = { auths: { [auth.host]: { auth: Buffer.from(`${auth.username}:wrong`).toString('base64') } } };
    await clientNodeConfig(t.kc)
      .makeApiClient(CoreV1Api)
      .createNamespacedSecret({
        namespace: HUB_NAMESPACE,
        body: {
          metadata: { name: 'wrong-password' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
        },
      });
    for (const cluster of CLUSTERS) await t.applyCluster(cluster, SELECTOR, [KERNEL]);
    ({ app, reconciler: sut } = await t.startHub({
      IMAGE_CHECK_TIMEOUT_S: String(TIMEOUT_S),
      IMAGE_CHECK_BACKOFF_S: '1',
      IMAGE_CHECK_BACKOFF_MAX_S: '16',
      RECONCILE_CONCURRENCY: '4',
    }));
    await vi.waitFor(() => expect(sut.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    hanging?.end();
    failing?.server.close();
    failing?.server.closeAllConnections();
    relay?.stop();
    await t?.stop();
  });

  let alone = 0;

  it('converges a healthy MCM on its own (the baseline)', async () => {
    alone = await timeToConverge('healthy-alone');
  }, 60_000);

  it('converges a healthy MCM as fast beside MCMs whose registries hang, answer 500 or refuse the password', async () => {
    await t.applier.apply(mcm('hang', `${hanging.host}/kmm/gpu:\${KERNEL_FULL_VERSION}`));
    await t.applier.apply(mcm('fail500', `${failing.host}/kmm/gpu:\${KERNEL_FULL_VERSION}`));
    const unauthorized = mcm('unauthorized', `${env.authRegistry.host}/${unauthorizedRepo}:\${KERNEL_FULL_VERSION}`);
    unauthorized.spec.moduleSpec.imageRepoSecret = { name: 'wrong-password' };
    await t.applier.apply(unauthorized);
    // The hanging registry holds a check.
    await expect.poll(() => hanging.held.size, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);

    const beside = await timeToConverge('healthy-beside');
    console.log(`healthy MCM over ${CLUSTERS.length} clusters: ${alone} ms alone, ${beside} ms beside bad registries`);
    expect(beside).toBeLessThan(Math.max(3 * alone, alone + 10_000));
    expect(beside).toBeLessThan((TIMEOUT_S * 1000) / 4);
    // Meanwhile the other two bad registries were asked too, and the hanging one still holds its check.
    expect(failing.requests.length).toBeGreaterThan(0);
    expect(wrongPasswordRequests(unauthorizedRepo).length).toBeGreaterThan(0);
    expect(hanging.held.size).toBeGreaterThan(0);
  }, 60_000);

  it('shows Checking while the registry hangs, with one check (one connection per scheme) for every cluster, then the failure and its backoff', async () => {
    await expect
      .poll(async () => (await kernelsOf('hang')).map((k) => k.state), { timeout: 10_000 })
      .toEqual(CLUSTERS.map(() => 'Checking'));
    const clusters = (await t.getMcm('hang')).status!.clusters!;
    expect(clusters.every((c) => c.state === 'Pending' && c.reason === 'ImagesNotReady')).toBe(true);
    // One check in flight, shared by the twelve clusters that wait for it.
    // One check for every cluster: its https attempt and the plain-http attempt that go-containerregistry's ping
    // starts 300 ms later for a loopback registry (pkg/v1/remote/transport/ping.go).
    expect(hanging.accepted()).toBe(2);
    expect(await metricValue('kmm_hub_registry_checks_in_flight', hanging.host)).toBe(1);

    hanging.end();
    await expect
      .poll(async () => (await kernelsOf('hang'))[0], { timeout: 20_000 })
      .toMatchObject({
        state: 'Failed',
        lastError: expect.stringMatching(
          new RegExp(`^registry ${hanging.host.replaceAll('.', '\\.')} failing: .*next check in \\d+ s$`),
        ),
      });
    expect(await metricValue('kmm_hub_registry_up', hanging.host)).toBe(0);
  }, 60_000);

  it('asks a registry that answers 500 ever less often, and says so in status, metrics and health', async () => {
    await expect.poll(() => failing.requests.length, { timeout: 40_000, interval: 200 }).toBeGreaterThanOrEqual(5);
    // One request per check, whatever the number of clusters, and the waits double: 1, 2, 4, 8 s.
    const waits = gaps(failing.requests.slice(0, 5));
    console.log(`500 registry: waits between requests ${waits.join(', ')} ms`);
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(1000 * 2 ** i - 50));
    expect(await kernelsOf('fail500')).toEqual(
      CLUSTERS.map(() =>
        expect.objectContaining({
          state: 'Failed',
          lastError: expect.stringMatching(
            /failing: HEAD manifest kmm\/gpu:\S+: 500\b.*failures in a row, next check in \d+ s/,
          ),
        }),
      ),
    );
    expect(await metricValue('kmm_hub_registry_up', failing.host)).toBe(0);
    expect(await metricValue('kmm_hub_registry_check_failures_total', failing.host)).toBeGreaterThanOrEqual(5);
    // The readiness checks of /readyz: the failing registry is a detail, and the hub stays ready.
    const readiness = await app.get(HealthCheckService).check(app.get(HubHealthIndicators).readiness());
    expect(readiness.status).toBe('ok');
    expect(readiness.info?.['registries']).toMatchObject({
      status: 'up',
      failing: { [failing.host]: { failingChecks: 1, lastError: expect.stringContaining('500') } },
    });
  }, 60_000);

  it('asks with a wrong password ever less often, and says so in status without the password', async () => {
    await expect
      .poll(() => wrongPasswordRequests(unauthorizedRepo).length, { timeout: 40_000, interval: 200 })
      .toBeGreaterThanOrEqual(5);
    const waits = gaps(wrongPasswordRequests(unauthorizedRepo).slice(0, 5));
    console.log(`401 registry: waits between wrong-password requests ${waits.join(', ')} ms`);
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(1000 * 2 ** i - 50));
    const kernels = await kernelsOf('unauthorized');
    expect(kernels).toHaveLength(CLUSTERS.length);
    for (const k of kernels) {
      expect(k.state).toBe('Failed');
      expect(k.lastError).toMatch(/failing: HEAD manifest \S+: 401\b.*failures in a row, next check in \d+ s/);
    }
    expect(JSON.stringify((await t.getMcm('unauthorized')).status)).not.toContain(env.authRegistry.password!);
  }, 60_000);

  it('keeps a published digest published while its registry hangs after a hub restart', async () => {
    const { digest: steadyDigest } = await pushImage(registry, `${repository}/steady`, KERNEL, [
      { path: '/opt/lib/modules/steady.ko', content: Buffer.from('steady') },
    ]);
    const pinned = `${relay.host}/${repository}/steady@${steadyDigest}`;
    await t.applier.apply(mcm('steady', `${relay.host}/${repository}/steady:\${KERNEL_FULL_VERSION}`));
    await expect
      .poll(async () => (await worksOf('steady')).filter((mw) => pinnedImage(mw) === pinned).length, {
        timeout: 20_000,
      })
      .toBe(CLUSTERS.length);
    await expect
      .poll(async () => (await kernelsOf('steady')).filter((k) => k.state === 'Ready').length, { timeout: 20_000 })
      .toBe(CLUSTERS.length);
    const versions = new Map(
      (await worksOf('steady')).map((mw) => [mw.metadata.namespace, mw.metadata.resourceVersion]),
    );

    // A new hub knows no answer yet, and the registry now hangs: its check stays in flight all along.
    await app.close();
    relay.hang();
    const next = await t.startHub({ IMAGE_CHECK_TIMEOUT_S: String(TIMEOUT_S), RECONCILE_CONCURRENCY: '4' });
    app = next.app;
    await vi.waitFor(() => expect(next.reconciler.isLeader).toBe(true), { timeout: 15_000, interval: 100 });
    // Several rounds over every key of every MCM.
    await expect.poll(() => next.reconciler.reconciles, { timeout: 30_000 }).toBeGreaterThan(12 * CLUSTERS.length);
    expect(await metricValue('kmm_hub_registry_checks_in_flight', relay.host)).toBe(1);
    const after = await worksOf('steady');
    expect(after.map((mw) => pinnedImage(mw))).toEqual(CLUSTERS.map(() => pinned));
    expect(new Map(after.map((mw) => [mw.metadata.namespace, mw.metadata.resourceVersion]))).toEqual(versions);
    expect((await kernelsOf('steady')).map((k) => `${k.state} ${k.digest}`)).toEqual(
      CLUSTERS.map(() => `Ready ${steadyDigest}`),
    );
  }, 90_000);
});
