// The fleet REST API on real servers: a dedicated hub API server with a real controller writing statuses and
// queueing builds in Redis, the API role answering from its informer caches and the BullMQ queues, and tokens
// from the environment's OIDC issuer. A BullMQ worker of the test plays the build worker.
import { newLoaderManagedClusterModule, RESOURCES, type ManagedClusterModule } from '@kmm-hub/api';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage, readAuditLog } from '@kmm-hub/test-env';
import { Worker, type Job } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HUB_NAMESPACE, startFleetUnderTest, type FleetUnderTest } from '../testing/fleet-under-test.testing.js';
import { openEventStream } from '../testing/sse-client.testing.js';
import type { BuildDetail, BuildSummary } from './dto/builds.dto.js';
import type { ClusterDetail, ClusterSummary, FleetView, ModuleDetail, ModuleOverview } from './dto/fleet.dto.js';

const env = inject('env');
const K1 = '6.1.0-56-amd64';
const K2 = '6.1.0-57-amd64';
const repository = `fleet-api/${Date.now()}`;
const SECRET_PASSWORD = 'S3cr3t-pull-password-never-shown';

function gpuModule(): ManagedClusterModule {
  return newLoaderManagedClusterModule({
    name: 'gpu',
    selector: { fleet: 'demo' },
    regexp: '^6\\.1\\.',
    image: `${env.registry.host}/${repository}/gpu:\${KERNEL_FULL_VERSION}`,
    imageRepoSecret: 'pull-secret',
  });
}

function nicModule(): ManagedClusterModule {
  return newLoaderManagedClusterModule({
    name: 'nic',
    selector: { nic: 'yes' },
    literal: K1,
    image: `${env.registry.host}/${repository}/nic:\${KERNEL_FULL_VERSION}`,
    build: { dockerfileConfigMap: { name: 'nic-dockerfile' } },
  });
}

describe('fleet API', () => {
  let f: FleetUnderTest;
  let worker: Worker | undefined;
  const get = (path: string, token: string) => request(f.api.url).get(path).set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    f = await startFleetUnderTest(env, 'fleet-api', ['edge-a', 'edge-b', 'edge-c']);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    await pushImage(registry, `${repository}/gpu`, K1, [
      { path: `/opt/lib/modules/${K1}/gpu.ko`, content: Buffer.from('ko') },
    ]);
    await f.http.json('POST', `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, {
      body: {
        metadata: { name: 'pull-secret' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({
            auths: { [env.registry.host]: { username: 'u', password: SECRET_PASSWORD } },
          }),
        },
      },
    });
    await f.applyCluster('edge-a', { fleet: 'demo', nic: 'yes', zone: 'north' }, [K1, K2], true);
    await f.applyCluster('edge-b', { fleet: 'demo' }, [K1], false);
    await f.applyCluster('edge-c', { fleet: 'other' }, undefined, true);
    await f.applier.apply(gpuModule());
    await f.applier.apply(nicModule());
    // The controller plans every selected cluster and publishes the ready kernels.
    const wait = { timeout: 30_000, interval: 200 };
    await vi.waitFor(async () => {
      expect((await f.getMcm('gpu')).status?.clusters?.map((c) => c.kernels?.length ?? 0)).toEqual([2, 1]);
    }, wait);
    const works = `/apis/${RESOURCES.ManifestWork.apiVersion}/namespaces/edge-b/manifestworks`;
    await vi.waitFor(
      async () => expect((await f.http.json<{ items: unknown[] }>('GET', works)).items).toHaveLength(1),
      wait,
    );
    // edge-b's work agent applied the work and two of three nodes run the loader.
    await f.reportWork('edge-b', 'gpu', { desired: 3, available: 2 });
    await vi.waitFor(async () => {
      expect((await f.getMcm('gpu')).status?.clusters?.find((c) => c.name === 'edge-b')?.state).toBe('Ready');
    }, wait);
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await f?.stop();
  });

  it('answers the states the controller wrote per cluster, the module overview and the totals', async () => {
    const mcms = [await f.getMcm('gpu'), await f.getMcm('nic')];
    const expected = Object.fromEntries(
      ['edge-a', 'edge-b', 'edge-c'].map((cluster) => [
        cluster,
        mcms.flatMap((m) =>
          (m.status?.clusters ?? [])
            .filter((c) => c.name === cluster)
            .map((c) => ({ module: m.metadata.name, state: c.state })),
        ),
      ]),
    );
    await expect
      .poll(
        async () => {
          const page = (await get('/api/v1/clusters', f.tokens.viewer)).body as { items: ClusterSummary[] };
          return Object.fromEntries(page.items.map((c) => [c.name, c.modules]));
        },
        { timeout: 10_000 },
      )
      .toEqual(expected);
    expect(expected['edge-b']).toContainEqual({ module: 'gpu', state: 'Ready' });
    expect(expected['edge-c']).toEqual([]);
    const fleet = (await get('/api/v1/fleet', f.tokens.viewer)).body as FleetView;
    expect(fleet.modules.map((m) => [m.name, m.clusters.selected])).toEqual([
      ['gpu', 2],
      ['nic', 1],
    ]);
    const gpuStates = mcms[0]!.status!.clusters!.map((c) => c.state);
    expect(fleet.modules[0]!.clusters.byState).toEqual(
      Object.fromEntries([...new Set(gpuStates)].map((s) => [s, gpuStates.filter((x) => x === s).length])),
    );
    expect(fleet.modules[0]!.kernels).toEqual({ total: 2 });
    expect(fleet.totals.clusters).toEqual({ total: 3, byAvailability: { True: 2, False: 1 } });
    expect(fleet.totals.kernels).toEqual({ total: 2 });
    expect(fleet.totals.modules.total).toBe(2);
    expect(fleet.totals.images.byState).toMatchObject({ Ready: 1, Missing: 1 });
    // The totals agree with the build list (the build test below checks both while its build is queued).
    const queued = (await get('/api/v1/builds?state=queued', f.tokens.viewer)).body.items as BuildSummary[];
    expect(fleet.totals.builds?.build.queued).toBe(queued.length);
  });

  it('details a module per cluster and kernel: image, digest, state, error, work applied, loader nodes', async () => {
    const res = await get('/api/v1/modules/gpu', f.tokens.viewer);
    expect(res.status).toBe(200);
    const gpu = res.body as ModuleDetail;
    const status = (await f.getMcm('gpu')).status!;
    expect(gpu.clusters).toEqual({
      selected: 2,
      ready: 1,
      degraded: status.clusters!.filter((c) => c.state === 'Degraded').length,
    });
    const edgeA = gpu.placement.find((p) => p.cluster === 'edge-a')!;
    const edgeB = gpu.placement.find((p) => p.cluster === 'edge-b')!;
    const digest = status.clusters!.find((c) => c.name === 'edge-b')!.kernels![0]!.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(edgeB).toMatchObject({
      state: 'Ready',
      manifestWork: { applied: true, available: true, degraded: false, stale: false, problems: [] },
      loader: { desired: 3, available: 2, nodesMatching: 3 },
      kernels: [{ kernel: K1, state: 'Ready', image: `${env.registry.host}/${repository}/gpu:${K1}`, digest }],
    });
    expect(edgeA.kernels.map((k) => [k.kernel, k.state])).toEqual([
      [K1, 'Ready'],
      [K2, 'Missing'],
    ]);
    expect(edgeA.kernels[1]!.lastError).toBe(status.clusters!.find((c) => c.name === 'edge-a')!.kernels![1]!.lastError);
    expect(edgeA.manifestWork).toMatchObject({ applied: false, available: false });
  });

  it('lists modules and clusters by name with a cursor', async () => {
    const first = await get('/api/v1/modules?limit=1', f.tokens.viewer);
    expect(first.body.items.map((m: { name: string }) => m.name)).toEqual(['gpu']);
    const second = await get(`/api/v1/modules?limit=1&cursor=${first.body.nextCursor}`, f.tokens.viewer);
    expect(second.body.items.map((m: { name: string }) => m.name)).toEqual(['nic']);
    expect(second.body.nextCursor).toBeUndefined();

    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/api/v1/clusters?limit=2${cursor ? `&cursor=${cursor}` : ''}`, f.tokens.viewer);
      names.push(...page.body.items.map((c: { name: string }) => c.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(names).toEqual(['edge-a', 'edge-b', 'edge-c']);
  });

  it('lists clusters filtered by name, label, state and module, those needing attention first, with a total', async () => {
    const list = async (query: string) => {
      const res = await get(`/api/v1/clusters?${query}`, f.tokens.viewer);
      expect(res.status, query).toBe(200);
      const body = res.body as { items: ClusterSummary[]; total: number; nextCursor?: string };
      return { names: body.items.map((c) => c.name), total: body.total, nextCursor: body.nextCursor };
    };
    expect(await list('q=zone%3Dnorth')).toEqual({ names: ['edge-a'], total: 1 });
    expect(await list('q=edge-%20fleet%3Ddemo')).toEqual({ names: ['edge-a', 'edge-b'], total: 2 });
    expect(await list('module=nic')).toEqual({ names: ['edge-a'], total: 1 });
    expect(await list('module=gpu&state=Ready')).toEqual({ names: ['edge-b'], total: 1 });
    // edge-b is not Available, so it needs attention although its module is Ready; edge-a's kernels are not ready.
    expect((await list('state=NeedsAttention')).names).toEqual(['edge-a', 'edge-b']);
    const first = await list('order=attention&limit=2');
    expect(first).toMatchObject({ total: 3, nextCursor: expect.any(String) });
    const rest = await list(`order=attention&limit=2&cursor=${first.nextCursor}`);
    expect([...first.names, ...rest.names].at(-1)).toBe('edge-c');
    expect(rest.nextCursor).toBeUndefined();
    // A cursor of the attention order used with the name order would skip or repeat clusters: refused.
    const mixed = await get(`/api/v1/clusters?limit=2&cursor=${first.nextCursor}`, f.tokens.viewer);
    expect(mixed.status).toBe(400);
    expect(mixed.body.detail).toBe('invalid cursor');
  });

  it('details a cluster: labels, availability, kernels, and the modules targeting it', async () => {
    const a = (await get('/api/v1/clusters/edge-a', f.tokens.viewer)).body as ClusterDetail;
    expect(a).toMatchObject({
      name: 'edge-a',
      labels: { fleet: 'demo', nic: 'yes', zone: 'north' },
      available: 'True',
      kernelsReported: true,
      kernels: [{ kernel: K1 }, { kernel: K2 }],
    });
    expect(a.modules.map((m) => m.module)).toEqual(['gpu', 'nic']);
    // The states the controller wrote: K1's follows its build (Building while queued, as the build test checks;
    // whatever that test made of it when it ran first).
    const nicOnA = async () =>
      (await f.getMcm('nic')).status?.clusters
        ?.find((c) => c.name === 'edge-a')
        ?.kernels?.map((k) => [k.kernel, k.state]);
    await expect
      .poll(async () => {
        const detail = (await get('/api/v1/clusters/edge-a', f.tokens.viewer)).body as ClusterDetail;
        return detail.placements.find((p) => p.module === 'nic')?.kernels.map((k) => [k.kernel, k.state]);
      })
      .toEqual(await nicOnA());
    expect((await nicOnA())?.[1]).toEqual([K2, 'Unmapped']);
    const c = (await get('/api/v1/clusters/edge-c', f.tokens.viewer)).body as ClusterDetail;
    expect(c).toMatchObject({ available: 'True', kernelsReported: false, kernels: [], modules: [] });
    expect(((await get('/api/v1/clusters/edge-b', f.tokens.viewer)).body as ClusterDetail).available).toBe('False');
  });

  it('answers problem details for unknown objects and invalid parameters', async () => {
    const missing = await get('/api/v1/modules/nope', f.tokens.viewer);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'ManagedClusterModule nope not found',
      instance: '/api/v1/modules/nope',
    });
    for (const path of [
      '/api/v1/modules/Not_A_Name',
      '/api/v1/clusters?limit=0',
      '/api/v1/clusters?limit=9999',
      '/api/v1/clusters?unknown=1',
      '/api/v1/clusters?state=Broken',
      '/api/v1/clusters?order=random',
      '/api/v1/clusters?module=Not_A_Name',
      '/api/v1/modules?cursor=!!',
      '/api/v1/modules?cursor=bm90LW91cnM',
      '/api/v1/builds?state=exploded',
      '/api/v1/builds/not-hex',
      '/api/v1/builds?kernel=a%20b',
    ]) {
      const res = await get(path, f.tokens.viewer);
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type'], path).toMatch(/^application\/problem\+json/);
      expect(res.body, path).toMatchObject({ status: 400, title: 'Bad Request', instance: expect.any(String) });
    }
    const invalid = await get('/api/v1/clusters?limit=0&extra=1', f.tokens.viewer);
    expect(invalid.body.errors.map((e: { path: string }) => e.path).toSorted()).toEqual(['', 'limit']);
    const badState = await get('/api/v1/clusters?state=Broken', f.tokens.viewer);
    expect(badState.body.errors).toEqual([{ path: 'state', message: expect.stringContaining('NeedsAttention') }]);
    const unknownRoute = await get('/api/v1/nothing-here', f.tokens.viewer);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('lists, follows, and retries a build through the queue, with progress on the event stream', async () => {
    const stream = await openEventStream(`${f.api.url}/api/v1/events`, { authorization: `Bearer ${f.tokens.admin}` });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await expect.poll(() => stream.events.map((e) => e.type), { timeout: 5_000 }).toContain('hello');

    const listed = await get('/api/v1/builds?module=nic', f.tokens.viewer);
    expect(listed.status).toBe(200);
    const [queued] = listed.body.items as BuildSummary[];
    expect(queued).toMatchObject({
      module: 'nic',
      kernel: K1,
      image: `${env.registry.host}/${repository}/nic:${K1}`,
      state: 'queued',
      attempts: 0,
      steps: [{ queue: 'build', state: 'waiting' }],
    });
    expect((await get(`/api/v1/builds?kernel=${K2}`, f.tokens.viewer)).body.items).toEqual([]);
    expect((await get('/api/v1/builds?module=gpu', f.tokens.viewer)).body.items).toEqual([]);
    expect((await get('/api/v1/builds?state=queued', f.tokens.viewer)).body.items).toHaveLength(1);
    expect(((await get('/api/v1/fleet', f.tokens.viewer)).body as FleetView).totals.builds?.build.queued).toBe(1);
    const edgeA = (await get('/api/v1/clusters/edge-a', f.tokens.viewer)).body as ClusterDetail;
    expect(edgeA.placements.find((p) => p.module === 'nic')?.kernels.map((k) => [k.kernel, k.state])).toEqual([
      [K1, 'Building'],
      [K2, 'Unmapped'],
    ]);

    // The build worker takes the job, reports progress, and fails; after a retry it succeeds.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    worker = new Worker(
      'build',
      async (job: Job) => {
        runs++;
        if (runs === 1) {
          await job.updateProgress({ stage: 'build', percent: 40 });
          await job.log('STEP 1/3: FROM debian');
          await gate;
          throw new Error('make: *** [gpu.ko] Error 2');
        }
        await job.log('pushed');
        const data = job.data as { image: string; kernel: string; target: string };
        return {
          image: data.image,
          kernel: data.kernel,
          target: data.target,
          digest: `sha256:${'ab'.repeat(32)}`,
          pushed: false,
          final: true,
        };
      },
      { connection: { url: env.redis.url }, prefix: f.queuePrefix },
    );
    await expect
      .poll(async () => ((await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail).state, {
        timeout: 10_000,
      })
      .toBe('building');
    const building = (await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail;
    expect(building).toMatchObject({ stage: 'build', percent: 40, attempts: 0, logs: ['STEP 1/3: FROM debian'] });
    await expect
      .poll(() => stream.events.filter((e) => e.type === 'build').map((e) => (e.data as BuildSummary).percent), {
        timeout: 10_000,
      })
      .toContain(40);
    release();
    await expect
      .poll(async () => ((await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail).state, {
        timeout: 10_000,
      })
      .toBe('failed');
    // The fleet totals are kept between job events (GET /api/v1/fleet reads no Redis while the queues are quiet):
    // the failure's event moves them.
    await expect
      .poll(async () => ((await get('/api/v1/fleet', f.tokens.viewer)).body as FleetView).totals.builds?.build, {
        timeout: 5_000,
      })
      .toMatchObject({ queued: 0, active: 0, failed: 1 });
    const failed = (await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail;
    expect(failed).toMatchObject({
      lastError: 'make: *** [gpu.ko] Error 2',
      attempts: 1,
      finishedAt: expect.any(String),
    });
    expect(
      (await get('/api/v1/builds?state=failed', f.tokens.viewer)).body.items.map((b: BuildSummary) => b.id),
    ).toEqual([queued!.id]);

    await expect
      .poll(() => stream.events.filter((e) => e.type === 'build').map((e) => (e.data as BuildSummary).state), {
        timeout: 10_000,
      })
      .toContain('failed');

    const asViewer = await request(f.api.url)
      .post(`/api/v1/builds/${queued!.id}/retry`)
      .set('authorization', `Bearer ${f.tokens.viewer}`);
    expect(asViewer.status).toBe(403);
    const retried = await request(f.api.url)
      .post(`/api/v1/builds/${queued!.id}/retry`)
      .set('authorization', `Bearer ${f.tokens.admin}`);
    expect(retried.status).toBe(202);
    expect(['queued', 'building', 'succeeded']).toContain((retried.body as BuildSummary).state);
    await expect
      .poll(async () => ((await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail).state, {
        timeout: 10_000,
      })
      .toBe('succeeded');
    const done = (await get(`/api/v1/builds/${queued!.id}`, f.tokens.viewer)).body as BuildDetail;
    expect(done.digest).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(done.logs).toContain('pushed');
    const again = await request(f.api.url)
      .post(`/api/v1/builds/${queued!.id}/retry`)
      .set('authorization', `Bearer ${f.tokens.admin}`);
    expect(again.status).toBe(409);
    expect(
      (
        await request(f.api.url)
          .post(`/api/v1/builds/${'0'.repeat(64)}/retry`)
          .set('authorization', `Bearer ${f.tokens.admin}`)
      ).status,
    ).toBe(404);
    await expect
      .poll(() => stream.events.filter((e) => e.type === 'build').map((e) => (e.data as BuildSummary).state), {
        timeout: 10_000,
      })
      .toContain('succeeded');
    stream.close();
    const metrics = (await request(f.api.url).get('/metrics')).text;
    expect(metrics).toMatch(/kmm_hub_queue_jobs\{queue="build",state="succeeded"\} 1/);
    expect(metrics).toMatch(
      /kmm_hub_image_job_duration_seconds_count\{queue="build",result="(failed|succeeded)"\} [12]/,
    );
  });

  it('streams the changed states and the module overview when a cluster leaves a module', async () => {
    const stream = await openEventStream(`${f.api.url}/api/v1/events`, { authorization: `Bearer ${f.tokens.viewer}` });
    await expect.poll(() => stream.events.map((e) => e.type), { timeout: 5_000 }).toContain('hello');
    await f.applyCluster('edge-b', { fleet: 'elsewhere' }, [K1], false);
    await expect
      .poll(
        () =>
          stream.events
            .filter((e) => e.type === 'cells')
            .flatMap(
              (e) => (e.data as { changed: { module: string; cluster: string; state: string | null }[] }).changed,
            ),
        { timeout: 10_000 },
      )
      .toContainEqual({ module: 'gpu', cluster: 'edge-b', state: null });
    // The page keeps its module summary from the same events: gpu now selects edge-a only.
    await expect
      .poll(() => {
        const last = stream.events.filter((e) => e.type === 'cells').at(-1)?.data as { modules: ModuleOverview[] };
        return last.modules.find((m) => m.name === 'gpu')?.clusters.selected;
      })
      .toBe(1);
    stream.close();
    // Back as beforeAll left it, for the other tests: in the fleet, its work applied and two of three nodes loading.
    await f.applyCluster('edge-b', { fleet: 'demo' }, [K1], false);
    await vi.waitFor(
      async () => {
        await f.reportWork('edge-b', 'gpu', { desired: 3, available: 2 });
        expect((await f.getMcm('gpu')).status?.clusters?.find((c) => c.name === 'edge-b')?.state).toBe('Ready');
      },
      { timeout: 30_000, interval: 500 },
    );
  });

  it('never returns Secret content', async () => {
    const bodies: string[] = [];
    const builds = (await get('/api/v1/builds', f.tokens.admin)).body.items as BuildSummary[];
    expect(builds.length).toBeGreaterThan(0);
    for (const token of [f.tokens.admin, f.tokens.viewer]) {
      for (const path of [
        '/api/v1/fleet',
        '/api/v1/me',
        '/api/v1/modules',
        '/api/v1/modules/gpu',
        '/api/v1/modules/nic',
        '/api/v1/clusters',
        '/api/v1/clusters/edge-a',
        '/api/v1/clusters/edge-b',
        '/api/v1/clusters/edge-c',
        '/api/v1/builds',
        ...builds.map((b) => `/api/v1/builds/${b.id}`),
      ]) {
        const res = await get(path, token);
        expect(res.status, path).toBe(200);
        bodies.push(res.text);
      }
    }
    const all = bodies.join('\n');
    expect(all).not.toContain(SECRET_PASSWORD);
    expect(all).not.toContain(Buffer.from(SECRET_PASSWORD).toString('base64'));
    expect(all).not.toContain('dockerconfigjson');
  });

  it('serves the OpenAPI document, and every operation in it refuses a caller without a token', async () => {
    const doc = await request(f.api.url).get('/api/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths as Record<string, unknown>).toSorted();
    expect(paths).toEqual([
      '/api/v1/builds',
      '/api/v1/builds/{id}',
      '/api/v1/builds/{id}/retry',
      '/api/v1/clusters',
      '/api/v1/clusters/{name}',
      '/api/v1/events',
      '/api/v1/fleet',
      '/api/v1/me',
      '/api/v1/modules',
      '/api/v1/modules/{name}',
      '/api/v1/modules/{name}/rollout',
      '/api/v1/modules/{name}/rollout/pause',
      '/api/v1/modules/{name}/rollout/resume',
    ]);
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace('{id}', 'ab'.repeat(32)).replace('{name}', 'gpu');
        const res = await request(f.api.url)[method as 'get' | 'post'](url);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers['www-authenticate'], `${method} ${path}`).toBe('Bearer');
        expect(res.body, `${method} ${path}`).toEqual({
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          detail: 'authentication required',
          instance: new URL(url, 'http://x').pathname,
        });
      }
    }
    const ui = await request(f.api.url).get('/api/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('answers from its caches: hundreds of requests make no read of the API server', async () => {
    const since = Date.now();
    const paths = ['/api/v1/fleet', '/api/v1/modules/gpu', '/api/v1/clusters', '/api/v1/clusters/edge-a'];
    for (let i = 0; i < 50; i++) {
      for (const path of paths) expect((await get(path, f.tokens.viewer)).status).toBe(200);
    }
    // The controller of this fleet shares the admin identity; its Lease renewals are the only reads it makes.
    const reads = readAuditLog(f.cluster.info.auditLogPath).filter(
      (e) =>
        e.stage === 'ResponseComplete' &&
        (e.verb === 'get' || e.verb === 'list') &&
        e.objectRef?.resource !== 'leases' &&
        // The API server's own bookkeeping (its endpoints every 10 s) is not a read of the hub's.
        e.user.username !== 'system:apiserver' &&
        Date.parse(e.stageTimestamp) >= since,
    );
    expect(reads.map((e) => `${e.user.username} ${e.verb} ${e.requestURI}`)).toEqual([]);
  });

  it('reports readiness and metrics of the API role', async () => {
    expect((await get('/api/v1/modules/gpu', f.tokens.viewer)).status).toBe(200);
    expect((await request(f.api.url).get('/api/v1/fleet')).status).toBe(401);
    const ready = await request(f.api.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      redis: { status: 'up' },
      kubernetes: { status: 'up' },
      informers: { status: 'up' },
    });
    const metrics = await request(f.api.url).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(
      /kmm_hub_api_requests_total\{method="GET",route="\/api\/v1\/modules\/:name",status="200"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /kmm_hub_api_requests_total\{method="GET",route="\/api\/v1\/fleet",status="401"\} \d+/,
    );
    expect(metrics.text).toContain('kmm_hub_clusters{state="True"} 2');
    expect(metrics.text).toContain('kmm_hub_clusters{state="False"} 1');
    expect(metrics.text).toContain('kmm_hub_images{state="Missing"} 1');
    expect(metrics.text).toMatch(/kmm_hub_queue_jobs\{queue="build",state="[a-z]+"\} \d+/);
  });
});
