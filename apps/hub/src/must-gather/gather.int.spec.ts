// must-gather against the test environment: a fleet on a real API server (ManagedClusters with claims, MCMs and
// their ManifestWorks, Secrets with known values, a hub pod object whose env holds a secret), a real hub API with
// queued builds in Redis, and the OIDC issuer. The gatherer writes a folder as `oc adm must-gather` would copy it;
// the test reads it back and scans every file for every secret value the environment holds.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { RESOURCES, newLoaderManagedClusterModule } from '@kmm-hub/api';
import { RegistryClient } from '@kmm-hub/oci';
import { ENV_DIR_PREFIX, installCrds, pushImage } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  HUB_NAMESPACE,
  SESSION_SECRET,
  startFleetUnderTest,
  type FleetUnderTest,
} from '../testing/fleet-under-test.testing.js';
import { gather } from './gather.js';

const env = inject('env');
const K1 = '6.1.0-56-amd64';
const repository = `must-gather/${Date.now()}`;
const PREFLIGHT_CRD = fileURLToPath(
  new URL('../../../../test/fixtures/crds/kmm/kmm.sigs.x-k8s.io_preflightvalidations.yaml', import.meta.url),
);
/** Values only this test knows, in every place a careless gatherer would copy them from. */
const SECRETS = {
  pull: `pull-${randomBytes(12).toString('hex')}`,
  signingKey: `key-${randomBytes(12).toString('hex')}`,
  redis: `redis-${randomBytes(12).toString('hex')}`,
  podEnv: `env-${randomBytes(12).toString('hex')}`,
};

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringValues);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('must-gather', () => {
  let f: FleetUnderTest;
  let buildId: string;

  beforeAll(async () => {
    f = await startFleetUnderTest(env, 'must-gather', ['edge-a']);
    const post = (path: string, body: unknown) => f.http.json('POST', path, { body });
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, {
      metadata: { name: 'pull-secret' },
      type: 'kubernetes.io/dockerconfigjson',
      stringData: {
        '.dockerconfigjson': JSON.stringify({
          auths: { [env.registry.host]: { username: 'u', password: SECRETS.pull } },
        }),
      },
    });
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/secrets`, {
      metadata: { name: 'signing-key' },
      stringData: { key: `-----BEGIN PRIVATE KEY-----\n${SECRETS.signingKey}\n-----END PRIVATE KEY-----\n` },
    });
    await post(`/api/v1/namespaces/edge-a/secrets`, {
      metadata: { name: 'spoke-credential' },
      stringData: { token: SECRETS.podEnv },
    });
    // The hub's settings as deploy/hub/config.yaml has them, with a Redis URL that carries a password.
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/configmaps`, {
      metadata: { name: 'kmm-hub-config' },
      data: { REDIS_URL: `redis://:${SECRETS.redis}@redis.kmm-hub.svc:6379`, LOG_LEVEL: 'info' },
    });
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/configmaps`, {
      metadata: { name: 'nic-dockerfile' },
      data: { dockerfile: 'FROM scratch\n' },
    });
    // A hub pod as its Deployment creates it (no kubelet runs here, so it has no log to read).
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/serviceaccounts`, { metadata: { name: 'kmm-hub-api' } });
    await post(`/api/v1/namespaces/${HUB_NAMESPACE}/pods`, {
      metadata: { name: 'kmm-hub-api-0', labels: { 'app.kubernetes.io/name': 'kmm-hub' } },
      spec: {
        serviceAccountName: 'kmm-hub-api',
        automountServiceAccountToken: false,
        containers: [
          {
            name: 'hub',
            image: 'kmm-hub:0.1.0',
            env: [
              { name: 'HUB_ROLE', value: 'api' },
              { name: 'OIDC_CLIENT_SECRET', value: SECRETS.podEnv },
            ],
          },
        ],
      },
    });
    await f.applyCluster('edge-a', { fleet: 'demo' }, [K1], true);
    // gpu: its image exists, so it is published in a ManifestWork; nic: built, and its build stays queued.
    await pushImage(new RegistryClient({ registry: env.registry.host, insecure: true }), `${repository}/gpu`, K1, [
      { path: `/opt/lib/modules/${K1}/gpu.ko`, content: Buffer.from('ko') },
    ]);
    await f.applier.apply(
      newLoaderManagedClusterModule({
        name: 'gpu',
        selector: { fleet: 'demo' },
        literal: K1,
        image: `${env.registry.host}/${repository}/gpu:\${KERNEL_FULL_VERSION}`,
        imageRepoSecret: 'pull-secret',
      }),
    );
    await f.applier.apply(
      newLoaderManagedClusterModule({
        name: 'nic',
        selector: { fleet: 'demo' },
        literal: K1,
        image: `${env.registry.host}/${repository}/nic:\${KERNEL_FULL_VERSION}`,
        build: { dockerfileConfigMap: { name: 'nic-dockerfile' } },
      }),
    );
    // No worker runs: the controller queues the build and it stays queued.
    await vi.waitFor(
      async () => {
        const res = await fetch(`${f.api.url}/api/v1/builds`, {
          headers: { authorization: `Bearer ${f.tokens.viewer}` },
        });
        const items = ((await res.json()) as { items: { id: string }[] }).items;
        expect(items, JSON.stringify((await f.getMcm('nic')).status)).toHaveLength(1);
        buildId = items[0]!.id;
      },
      { timeout: 60_000, interval: 500 },
    );
    const works = `/apis/${RESOURCES.ManifestWork.apiVersion}/namespaces/edge-a/manifestworks`;
    await vi.waitFor(
      async () => expect((await f.http.json<{ items: unknown[] }>('GET', works)).items).toHaveLength(1),
      { timeout: 30_000, interval: 200 },
    );
    // The MCM statuses are written after the ManifestWork, at most once per STATUS_WRITE_INTERVAL_MS: the gathered
    // copies can only list edge-a once they have been.
    await vi.waitFor(
      async () => {
        for (const name of ['gpu', 'nic'])
          expect((await f.getMcm(name)).status?.clusters?.map((c) => c.name)).toEqual(['edge-a']);
      },
      { timeout: 30_000, interval: 200 },
    );
  }, 180_000);

  // Gathered folders hold no secret (the tests prove it), but nothing a test writes stays behind.
  const gathered: string[] = [];
  afterAll(async () => {
    for (const dir of gathered.splice(0)) rmSync(dir, { recursive: true, force: true });
    await f?.stop();
  });

  async function runGather(): Promise<{ dir: string; result: Awaited<ReturnType<typeof gather>> }> {
    const dir = mkdtempSync(join(tmpdir(), `${ENV_DIR_PREFIX}must-gather-`));
    gathered.push(dir);
    const result = await gather({
      kube: f.kc,
      outDir: dir,
      hubNamespace: HUB_NAMESPACE,
      hubUrl: f.api.url,
      hubToken: f.tokens.viewer,
      logLines: 100,
      maxBuilds: 10,
    });
    return { dir, result };
  }

  /** Every secret value the environment holds: Secrets on its API server, OIDC client secrets, tokens, passwords. */
  async function secretValues(): Promise<string[]> {
    const values = new Set<string>([
      ...Object.values(SECRETS),
      env.oidc.clientSecret,
      ...Object.values(env.oidc.machineClients).map((c) => c.clientSecret),
      ...Object.values(f.tokens),
      SESSION_SECRET,
      env.authRegistry.password ?? '',
      env.hub.adminToken,
    ]);
    const secrets = await f.http.json<{ items: { data?: Record<string, string> }[] }>('GET', '/api/v1/secrets');
    for (const s of secrets.items)
      for (const v of Object.values(s.data ?? {})) {
        const decoded = Buffer.from(v, 'base64').toString('utf8');
        values.add(v);
        values.add(decoded);
        // The string values inside a docker config (passwords, auth), not its keys (registry hosts).
        if (decoded.startsWith('{')) for (const inner of stringValues(JSON.parse(decoded))) values.add(inner);
      }
    return [...values].filter((v) => v.length >= 8);
  }

  it('collects MCMs, ManifestWorks, ManagedClusters with claims, events, pods, leases, readiness and builds', async () => {
    const { dir, result } = await runGather();
    const files = filesUnder(dir);

    expect(files).toEqual(
      expect.arrayContaining([
        'version',
        'gather.log',
        'cluster-scoped-resources/hub.kmm.sigs.x-k8s.io/managedclustermodules.yaml',
        'cluster-scoped-resources/cluster.open-cluster-management.io/managedclusters.yaml',
        'namespaces/edge-a/work.open-cluster-management.io/manifestworks.yaml',
        `namespaces/${HUB_NAMESPACE}/core/events.yaml`,
        `namespaces/${HUB_NAMESPACE}/core/pods.yaml`,
        `namespaces/${HUB_NAMESPACE}/coordination.k8s.io/leases.yaml`,
        'hub/readyz.json',
        'hub/builds.yaml',
        `hub/builds/${buildId}.yaml`,
      ]),
    );
    const read = (path: string) => readFileSync(join(dir, path), 'utf8');
    const mcms = parse(read('cluster-scoped-resources/hub.kmm.sigs.x-k8s.io/managedclustermodules.yaml')) as {
      items: { metadata: { name: string }; status?: { clusters?: { name: string }[] } }[];
    };
    expect(mcms.items.map((m) => m.metadata.name)).toEqual(['gpu', 'nic']);
    for (const m of mcms.items) expect(m.status?.clusters?.map((c) => c.name)).toEqual(['edge-a']);
    const clusters = read('cluster-scoped-resources/cluster.open-cluster-management.io/managedclusters.yaml');
    expect(clusters).toContain(K1);
    expect(read('namespaces/edge-a/work.open-cluster-management.io/manifestworks.yaml')).toContain('name: gpu');
    expect(JSON.parse(read('hub/readyz.json'))).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((parse(read('hub/builds.yaml')) as { items: { id: string; state: string }[] }).items).toEqual([
      expect.objectContaining({ id: buildId, state: 'queued' }),
    ]);
    expect(read(`hub/builds/${buildId}.yaml`)).toContain(`id: ${buildId}`);
    // Never a Secret: not even the list of their names.
    expect(files.filter((p) => /secret/i.test(p))).toEqual([]);
    // Without a kubelet the pod's log is empty and its proxy refused: named as skipped, as nothing else is.
    expect(files).toContain(`namespaces/${HUB_NAMESPACE}/pods/kmm-hub-api-0/hub/hub/logs/current.log`);
    expect(result.skipped.map((s) => s.split(':')[0]).toSorted()).toEqual(['readiness of kmm-hub-api-0']);
    // The hub's own PreflightValidation kind is always served where its CRDs are (none exist here: an empty list).
    expect(read('cluster-scoped-resources/hub.kmm.sigs.x-k8s.io/preflightvalidations.yaml')).toContain('items: []');
  });

  it('writes no secret value the environment holds into any file', async () => {
    const { dir } = await runGather();
    const values = await secretValues();
    expect(values.length).toBeGreaterThan(10);
    expect(values).toEqual(expect.arrayContaining(Object.values(SECRETS)));

    const leaks = filesUnder(dir).flatMap((path) => {
      const content = readFileSync(join(dir, path), 'utf8');
      return values.filter((v) => content.includes(v)).map((v) => `${path}: ${v.slice(0, 6)}…`);
    });

    expect(leaks).toEqual([]);
    // The env entry and the Redis URL are there, their secret parts replaced.
    const pods = readFileSync(join(dir, `namespaces/${HUB_NAMESPACE}/core/pods.yaml`), 'utf8');
    expect(pods).toContain('name: OIDC_CLIENT_SECRET');
    expect(pods).toContain('value: <redacted>');
    const configMaps = readFileSync(join(dir, `namespaces/${HUB_NAMESPACE}/core/configmaps.yaml`), 'utf8');
    expect(configMaps).toContain('redis://<redacted>@redis.kmm-hub.svc:6379');
  });

  it("collects the hub's PreflightValidations, and upstream KMM's once the cluster serves the kind", async () => {
    const crds = parseAllDocuments(readFileSync(PREFLIGHT_CRD, 'utf8')).map((d) => d.toJS() as KubernetesObject);
    await installCrds(f.kc, crds);
    await f.applier.apply({
      apiVersion: 'kmm.sigs.x-k8s.io/v1beta2',
      kind: 'PreflightValidation',
      metadata: { name: 'preflight-6-1' },
      spec: { kernelVersion: K1 },
    });

    const { dir, result } = await runGather();

    const preflight = readFileSync(
      join(dir, 'cluster-scoped-resources/kmm.sigs.x-k8s.io/preflightvalidations.yaml'),
      'utf8',
    );
    expect(preflight).toContain('name: preflight-6-1');
    expect(result.skipped.filter((s) => s.startsWith('preflight'))).toEqual([]);
    await f.applier.apply({
      apiVersion: RESOURCES.PreflightValidation.apiVersion,
      kind: 'PreflightValidation',
      metadata: { name: 'hub-preflight-6-1' },
      spec: { kernelVersion: K1 },
    } as KubernetesObject);
    const again = await runGather();
    expect(
      readFileSync(join(again.dir, 'cluster-scoped-resources/hub.kmm.sigs.x-k8s.io/preflightvalidations.yaml'), 'utf8'),
    ).toContain('name: hub-preflight-6-1');
  });
});
