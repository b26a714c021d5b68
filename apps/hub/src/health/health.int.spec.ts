// Liveness, readiness and metrics of each hub role against the real environment, including a Redis that does not
// answer (readiness fails, liveness does not).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  ENV_DIR_PREFIX,
  ProcessGroup,
  clusterKubeConfig,
  freePort,
  startDedicatedCluster,
  startRedis,
  type DedicatedCluster,
  type RunningRedis,
  clientNodeConfig,
} from '@kmm-hub/test-env';
import { KubeApiError, KubeHttp } from '@kmm-hub/kube';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startApiHub, type ApiHub } from '../testing/fleet-under-test.testing.js';

const env = inject('env');
const prefix = `health-${process.pid}-${Date.now()}`;
const HUB_NAMESPACE = 'kmm-hub';
const HUB_MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
let cluster: DedicatedCluster;

beforeAll(async () => {
  // A controller role watches the whole hub cluster: give it one of its own.
  cluster = await startDedicatedCluster(env, 'health');
  const core = clientNodeConfig(clusterKubeConfig(cluster.info)).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: HUB_NAMESPACE } } });
}, 60_000);
afterAll(() => cluster?.stop());

function hubEnv(role: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HUB_ROLE: role,
    HUB_KUBECONFIG: cluster.info.kubeconfigPath,
    HUB_NAMESPACE,
    REDIS_URL: env.redis.url,
    QUEUE_PREFIX: prefix,
    LEASE_NAME: `health-${process.pid}-${Date.now()}`,
    LEASE_DURATION_S: '3',
    LOG_LEVEL: 'error',
    ...extra,
  };
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

describe('health and metrics', () => {
  describe.each([
    ['worker', ['redis', 'kubernetes']],
    ['controller', ['redis', 'kubernetes', 'informers', 'leader', 'registries']],
  ])('of the %s role', (role, checks) => {
    let hub: ApiHub;
    beforeAll(async () => {
      hub = await startApiHub(hubEnv(role, role === 'worker' ? { BUILD_EXECUTOR: 'buildah' } : {}));
    }, 60_000);
    afterAll(() => hub?.close());

    it('is alive, ready, and serves Prometheus metrics', async () => {
      const live = await request(hub.url).get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
      await vi.waitFor(async () => expect((await request(hub.url).get('/readyz')).status).toBe(200), {
        timeout: 15_000,
        interval: 200,
      });
      const ready = await request(hub.url).get('/readyz');
      expect(Object.keys(ready.body.info).toSorted()).toEqual(checks.toSorted());
      for (const check of checks) expect(ready.body.info[check].status).toBe('up');
      const metrics = await request(hub.url).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('# TYPE kmm_hub_api_requests_total counter');
      expect(metrics.text).toMatch(/kmm_hub_api_requests_total\{method="GET",route="\/readyz",status="200"\} [1-9]/);
      expect(metrics.text).toContain('# TYPE kmm_hub_reconcile_duration_seconds histogram');
      expect(metrics.text).toContain('kmm_hub_process_cpu_seconds_total');
      // No API in these roles.
      expect((await request(hub.url).get('/api/v1/fleet')).status).toBe(404);
    });

    if (role === 'controller') {
      it('reports whether it leads', async () => {
        await vi.waitFor(
          async () => expect((await request(hub.url).get('/readyz')).body.info.leader).toMatchObject({ leader: true }),
          { timeout: 15_000, interval: 200 },
        );
      });
    }
  });

  describe('when its Redis goes away', () => {
    // A Redis of this test alone, so it can be stopped and brought back on the same port; the hub as its own
    // process from the build output (`npm run build` first), so everything it writes can be read back.
    let group: ProcessGroup;
    let redis: RunningRedis;
    let hub: ReturnType<ProcessGroup['start']>;
    let url: string;
    beforeAll(async () => {
      expect(existsSync(HUB_MAIN), 'run npm run build first').toBe(true);
      group = new ProcessGroup(mkdtempSync(join(tmpdir(), `${ENV_DIR_PREFIX}health-redis-`)));
      redis = await startRedis(group, group.workDir);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      hub = group.start('hub', process.execPath, [HUB_MAIN], {
        env: {
          PATH: process.env.PATH,
          ...hubEnv('worker', { REDIS_URL: redis.url, BUILD_EXECUTOR: 'buildah' }),
          HUB_HOST: '127.0.0.1',
          HUB_PORT: String(port),
        },
      });
      await vi.waitFor(async () => expect((await request(url).get('/readyz')).status).toBe(200), {
        timeout: 30_000,
        interval: 200,
      });
    }, 60_000);
    afterAll(async () => {
      // Redis back first: the hub's queue connections close cleanly only against a live server.
      if (redis.proc.child.exitCode !== null) redis = await startRedis(group, group.workDir, redis.port);
      await group?.stopAll();
      if (group) rmSync(group.workDir, { recursive: true, force: true });
    });

    it('stays alive but not ready, naming the check that failed, and is ready again when Redis is back', async () => {
      await group.stop(redis.proc);
      expect((await request(url).get('/healthz')).status).toBe(200);
      const ready = await request(url).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down' } },
        info: { kubernetes: { status: 'up' } },
      });
      redis = await startRedis(group, group.workDir, redis.port);
      await vi.waitFor(async () => expect((await request(url).get('/readyz')).status).toBe(200), {
        timeout: 15_000,
        interval: 200,
      });
      // Its output (stdout and stderr) through the outage is structured log records only: connection errors do
      // not reach stderr as raw stack traces, once per reconnect attempt, as BullMQ prints them without a listener.
      const output = readFileSync(hub.logPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(output.filter((line) => !isJsonObject(line))).toEqual([]);
    });
  });

  // It removes a CRD from the file's API server and puts it back afterwards, so the other tests of this file see
  // the CRDs they started with, whatever the order.
  describe('on a hub API server without the PlacementDecision CRD (a hub without OCM placement)', () => {
    const CRD_PATH =
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/placementdecisions.cluster.open-cluster-management.io';
    const LIST_PATH = '/apis/cluster.open-cluster-management.io/v1beta1/placementdecisions';
    let http: KubeHttp;
    let removed: { metadata: { name: string; labels?: unknown; annotations?: unknown }; spec: unknown } | undefined;
    let hub: ApiHub | undefined;
    const served = () =>
      http.json('GET', LIST_PATH).then(
        () => 200,
        (e: unknown) => (e instanceof KubeApiError ? e.status : 'error'),
      );
    beforeAll(async () => {
      http = new KubeHttp(clusterKubeConfig(cluster.info));
      removed = await http.json('GET', CRD_PATH);
      await http.json('DELETE', CRD_PATH);
      await vi.waitFor(async () => expect(await served()).toBe(404), { timeout: 20_000, interval: 200 });
    }, 60_000);
    afterAll(async () => {
      await hub?.close();
      if (removed === undefined) return;
      // Re-created once the old one has finished terminating, under the same name and spec.
      await vi.waitFor(
        async () =>
          expect(await http.json('GET', CRD_PATH).catch((e: unknown) => (e as KubeApiError).status)).toBe(404),
        { timeout: 20_000, interval: 200 },
      );
      const { name, labels, annotations } = removed.metadata;
      await http.json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name, labels, annotations },
          spec: removed.spec,
        },
      });
      await vi.waitFor(async () => expect(await served()).toBe(200), { timeout: 20_000, interval: 200 });
    }, 60_000);

    it('still becomes ready: PlacementDecisions are optional', async () => {
      hub = await startApiHub(hubEnv('controller', { LEASE_NAME: `health-nocrd-${Date.now()}` }));
      await vi.waitFor(async () => expect((await request(hub!.url).get('/readyz')).status).toBe(200), {
        timeout: 15_000,
        interval: 200,
      });
    });
  });
});
