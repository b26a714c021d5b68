// spec.rollout on real servers: a hub API server with four spoke clusters (ManagedClusters), the real controller,
// images in the environment's registry, and ManifestWork status written as an OCM work agent writes it. A change of
// the module image (a new digest) must reach the clusters wave by wave; clusters not reached keep the previous digest.
import {
  newLoaderManagedClusterModule,
  RESOURCES,
  type ManagedClusterModule,
  type ManifestWork,
  type Module,
  type RolloutStrategy,
} from '@kmm-hub/api';
import { ResourceClient } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage } from '@kmm-hub/test-env';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startFleetUnderTest, type FleetUnderTest } from '../testing/fleet-under-test.testing.js';

const env = inject('env');
const K1 = '6.8.0-49-generic';
const repository = `rollout/${Date.now()}`;
const CLUSTERS = ['c1', 'c2', 'c3', 'c4'];
const WAIT = { timeout: 30_000, interval: 200 };

describe('ManagedClusterModule spec.rollout', () => {
  let f: FleetUnderTest;
  let works: ResourceClient<ManifestWork>;
  let mcms: ResourceClient<ManagedClusterModule>;
  const digests: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

  /** The image the cluster's ManifestWork pins for K1 (`…@sha256:…`), undefined while there is no ManifestWork. */
  const imageOf = async (cluster: string, mcm: string) => {
    const mw = await works.get(mcm, { namespace: cluster }).catch(() => undefined);
    const module = mw?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
    return module?.spec?.moduleLoader?.container.kernelMappings[0]?.containerImage;
  };
  const imagesOf = (mcm: string) => Promise.all(CLUSTERS.map((c) => imageOf(c, mcm)));
  const digestsOf = async (mcm: string) =>
    (await imagesOf(mcm)).map((i) => (i?.endsWith(digests.v1) ? 'v1' : i?.endsWith(digests.v2) ? 'v2' : i));

  function rolloutModule(name: string, tag: 'v1' | 'v2', rollout: RolloutStrategy): ManagedClusterModule {
    const mcm = newLoaderManagedClusterModule({
      name,
      selector: { fleet: 'rollout' },
      literal: K1,
      image: `${env.registry.host}/${repository}/drv:${tag}`,
    });
    return { ...mcm, spec: { ...mcm.spec, rollout } };
  }

  /** Every cluster runs v1 of `name`, Available, as the work agents report. */
  async function deployV1(name: string, rollout: RolloutStrategy): Promise<void> {
    await f.applier.apply(rolloutModule(name, 'v1', rollout));
    await vi.waitFor(async () => expect(await digestsOf(name)).toEqual(['v1', 'v1', 'v1', 'v1']), WAIT);
    for (const c of CLUSTERS) await f.reportWork(c, name, { desired: 1, available: 1 });
  }

  /** The work agent of `cluster` reports the ManifestWork's current generation Available once it carries v2. */
  async function reportV2(cluster: string, name: string): Promise<void> {
    await vi.waitFor(async () => expect(await imageOf(cluster, name)).toMatch(new RegExp(`${digests.v2}$`)), WAIT);
    await f.reportWork(cluster, name, { desired: 1, available: 1 });
  }

  beforeAll(async () => {
    f = await startFleetUnderTest(env, 'rollout', CLUSTERS);
    works = new ResourceClient<ManifestWork>(f.http, RESOURCES.ManifestWork);
    mcms = new ResourceClient<ManagedClusterModule>(f.http, RESOURCES.ManagedClusterModule);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    for (const tag of ['v1', 'v2'] as const) {
      const pushed = await pushImage(registry, `${repository}/drv`, tag, [
        { path: `/opt/lib/modules/${K1}/drv.ko`, content: Buffer.from(`driver ${tag}`) },
      ]);
      digests[tag] = pushed.digest;
    }
    // c3 is the canary of the per-group rollout; c4 carries no group label.
    const rings: Record<string, string | undefined> = { c1: 'prod', c2: 'prod', c3: 'canary', c4: undefined };
    for (const c of CLUSTERS)
      await f.applyCluster(c, { fleet: 'rollout', ...(rings[c] && { ring: rings[c] }) }, [K1], true);
  }, 120_000);

  afterAll(async () => {
    await f?.stop();
  });

  it('rolls out over waves of 25% and halts when a cluster is not Available by progressDeadline, naming it', async () => {
    const rollout: RolloutStrategy = {
      type: 'Progressive',
      progressive: { maxConcurrency: '25%', progressDeadline: '4s' },
    };
    await deployV1('prog', rollout);

    await f.applier.apply(rolloutModule('prog', 'v2', rollout));
    // Wave 1: c1 alone (25% of 4); the others keep the previous digest.
    await vi.waitFor(async () => expect(await digestsOf('prog')).toEqual(['v2', 'v1', 'v1', 'v1']), WAIT);
    await reportV2('c1', 'prog');
    // Wave 2: c2, whose work agent never reports the new generation Available.
    await vi.waitFor(async () => expect(await digestsOf('prog')).toEqual(['v2', 'v2', 'v1', 'v1']), WAIT);

    await vi.waitFor(async () => {
      const status = (await f.getMcm('prog')).status;
      expect(status?.rollout).toMatchObject({ state: 'Halted', wave: 2, numberFailed: 1, numberPending: 2 });
      expect(status?.rollout?.message).toContain('c2 (TimedOut');
      expect(status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
        status: 'True',
        reason: 'RolloutHalted',
        message: expect.stringContaining('c2'),
      });
      expect(status?.clusters?.map((c) => [c.name, c.rollout])).toEqual([
        ['c1', 'Updated'],
        ['c2', 'Failed'],
        ['c3', 'Pending'],
        ['c4', 'Pending'],
      ]);
    }, WAIT);
    // Halted: the later waves still run the previous digest.
    expect(await digestsOf('prog')).toEqual(['v2', 'v2', 'v1', 'v1']);
    const status = (await f.getMcm('prog')).status;
    const running = await imagesOf('prog');
    expect(status?.clusters?.map((c) => c.revision)).toEqual(
      await Promise.all(
        CLUSTERS.map(
          async (c) =>
            (await works.get('prog', { namespace: c })).metadata.annotations?.['hub.kmm.sigs.x-k8s.io/spec-hash'],
        ),
      ),
    );
    expect(running[2]).toBe(running[3]);

    // c2 recovers: the rollout goes on with the next wave.
    await f.reportWork('c2', 'prog', { desired: 1, available: 1 });
    await vi.waitFor(async () => expect(await digestsOf('prog')).toEqual(['v2', 'v2', 'v2', 'v1']), WAIT);
  });

  it('follows the declared group order: the mandatory canary group first, then groups by value, unlabelled last', async () => {
    const rollout: RolloutStrategy = {
      type: 'ProgressivePerGroup',
      groupLabel: 'ring',
      progressivePerGroup: { mandatoryDecisionGroups: [{ groupName: 'canary' }] },
    };
    await deployV1('group', rollout);

    await f.applier.apply(rolloutModule('group', 'v2', rollout));
    await vi.waitFor(async () => expect(await digestsOf('group')).toEqual(['v1', 'v1', 'v2', 'v1']), WAIT);
    await reportV2('c3', 'group');
    await vi.waitFor(async () => expect(await digestsOf('group')).toEqual(['v2', 'v2', 'v2', 'v1']), WAIT);
    await reportV2('c1', 'group');
    await reportV2('c2', 'group');
    await vi.waitFor(async () => expect(await digestsOf('group')).toEqual(['v2', 'v2', 'v2', 'v2']), WAIT);
    await f.reportWork('c4', 'group', { desired: 1, available: 1 });
    await vi.waitFor(
      async () => expect((await f.getMcm('group')).status?.rollout).toMatchObject({ state: 'Complete', wave: 3 }),
      WAIT,
    );
  });

  it('freezes on an admin pause through the REST API and goes on when resumed, both recorded in Events', async () => {
    const rollout: RolloutStrategy = { type: 'Progressive', progressive: { maxConcurrency: 2 } };
    await deployV1('pause', rollout);
    const post = (path: string, token: string) =>
      request(f.api.url).post(`/api/v1/modules/${path}`).set('authorization', `Bearer ${token}`);

    // Only an admin may pause; a viewer may read.
    expect((await post('pause/rollout/pause', f.tokens.viewer)).status).toBe(403);
    const paused = await post('pause/rollout/pause', f.tokens.admin);
    expect(paused.status).toBe(200);
    expect(paused.body.strategy).toMatchObject({ type: 'Progressive', paused: true, maxConcurrency: 2 });
    expect((await mcms.get('pause')).spec?.rollout?.paused).toBe(true);

    await f.applier.apply(rolloutModule('pause', 'v2', { ...rollout, paused: true }));
    await vi.waitFor(async () => {
      const view = await request(f.api.url)
        .get('/api/v1/modules/pause/rollout')
        .set('authorization', `Bearer ${f.tokens.viewer}`);
      expect(view.body).toMatchObject({ state: 'Paused', counts: { pending: 4 } });
      expect(view.body.clusters.map((c: { rollout: string }) => c.rollout)).toEqual([
        'Pending',
        'Pending',
        'Pending',
        'Pending',
      ]);
    }, WAIT);
    expect(await digestsOf('pause')).toEqual(['v1', 'v1', 'v1', 'v1']);

    expect((await post('pause/rollout/resume', f.tokens.admin)).status).toBe(200);
    await vi.waitFor(async () => expect(await digestsOf('pause')).toEqual(['v2', 'v2', 'v1', 'v1']), WAIT);
    const events = await f.http.json<{
      items: { reason: string; message: string; involvedObject: { name: string } }[];
    }>('GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=pause')}`);
    const audit = events.items.filter((e) => e.reason.startsWith('Rollout')).map((e) => [e.reason, e.message]);
    const admin = env.oidc.machineClients.admin.clientId;
    expect(audit).toEqual([
      ['RolloutPaused', `rollout paused by ${admin}`],
      ['RolloutResumed', `rollout resumed by ${admin}`],
    ]);
  });

  it.each<[string, string, number, string]>([
    ['a module that does not exist', 'missing', 404, 'ManagedClusterModule missing not found'],
    [
      'a module without a progressive rollout',
      'plain',
      409,
      'ManagedClusterModule plain: spec.rollout.type is All (every cluster at once), there is no rollout to pause; set spec.rollout.type to Progressive or ProgressivePerGroup',
    ],
    ['a name that is no object name', 'Not_A_Name', 400, 'name'],
  ])('refuses to pause %s (%s) with its status and the reason', async (_, name, status, detail) => {
    await f.applier.apply(rolloutModule('plain', 'v1', { type: 'All' }));
    await vi.waitFor(async () => expect(await imageOf('c1', 'plain')).toBeDefined(), WAIT);

    const response = await request(f.api.url)
      .post(`/api/v1/modules/${name}/rollout/pause`)
      .set('authorization', `Bearer ${f.tokens.admin}`);

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(response.body)).toContain(detail);
  });
});
