import { CoreV1Api, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import {
  clusterKubeConfig,
  readAuditLog,
  startDedicatedCluster,
  clientNodeConfig,
  widgetCustomResourceDefinition,
} from '@kmm-hub/test-env';
import { Informer, withoutManagedFields, type InformerLifecycle } from './informer.js';
import { KubeHttp } from './kube-http.js';

const env = inject('env');

function recorder<T extends KubernetesObject>(sut: Informer<T>) {
  const events: string[] = [];
  const lifecycle: InformerLifecycle[] = [];
  sut.on('add', (o) => events.push(`add:${o.metadata?.name}`));
  sut.on('update', (o) => events.push(`update:${o.metadata?.name}`));
  sut.on('delete', (o) => events.push(`delete:${o.metadata?.name}`));
  sut.onLifecycle((ev) => lifecycle.push(ev));
  return { events, lifecycle };
}

async function etcdRevision(etcdUrl: string): Promise<string> {
  const res = await fetch(`${etcdUrl}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from('/').toString('base64') }),
  });
  return ((await res.json()) as { header: { revision: string } }).header.revision;
}

describe(Informer.name, () => {
  it('sees create, update and delete of ManifestWorks on the hub', async () => {
    const kc = clusterKubeConfig(env.hub);
    const http = new KubeHttp(kc);
    const ns = `informer-mw-${Date.now()}`;
    await clientNodeConfig(kc)
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: ns } } });
    const path = `/apis/work.open-cluster-management.io/v1/namespaces/${ns}/manifestworks`;
    const sut = new Informer<KubernetesObject & { spec?: unknown }>(http, { path });
    const { events } = recorder(sut);
    sut.start();
    await sut.synced;
    const mw = {
      apiVersion: 'work.open-cluster-management.io/v1',
      kind: 'ManifestWork',
      metadata: { name: 'gpu-driver', namespace: ns },
      spec: {
        workload: {
          manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }],
        },
      },
    };
    await http.json('POST', path, { body: mw });
    await expect.poll(() => sut.get('gpu-driver', ns)?.metadata?.name).toBe('gpu-driver');
    await http.json('PATCH', `${path}/gpu-driver`, {
      body: { metadata: { labels: { changed: 'yes' } } },
      contentType: 'application/merge-patch+json',
    });
    await expect.poll(() => sut.get('gpu-driver', ns)?.metadata?.labels?.changed).toBe('yes');
    await http.json('DELETE', `${path}/gpu-driver`);
    await expect.poll(() => sut.get('gpu-driver', ns)).toBeUndefined();
    expect(events).toEqual(['add:gpu-driver', 'update:gpu-driver', 'delete:gpu-driver']);
    await sut.stop();
  });

  it('lists every page of a large collection', async () => {
    const kc = clusterKubeConfig(env.hub);
    const ns = `informer-pages-${Date.now()}`;
    const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    for (let i = 0; i < 7; i++)
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}` } } });
    const sut = new Informer<V1ConfigMap>(new KubeHttp(kc), {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      pageSize: 3,
    });
    sut.start();
    await sut.synced;
    // kube-root-ca.crt is not published here (no controller-manager): exactly our seven.
    expect(
      sut
        .list()
        .map((c) => c.metadata?.name)
        .toSorted(),
    ).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
    await sut.stop();
  });

  it('caches and hands out what its transform returns: listed and watched objects without managedFields', async () => {
    const kc = clusterKubeConfig(env.hub);
    const ns = `informer-transform-${Date.now()}`;
    const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'listed' }, data: { a: '1' } } });
    const sut = new Informer<V1ConfigMap>(new KubeHttp(kc), {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      transform: withoutManagedFields,
    });
    const handed: V1ConfigMap[] = [];
    sut.on('add', (o) => handed.push(o)).on('update', (o) => handed.push(o));
    sut.start();
    await sut.synced;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'watched' }, data: { b: '2' } } });
    await expect.poll(() => sut.get('watched', ns)?.data).toEqual({ b: '2' });
    // The API server does send them: the transform is what removed them.
    expect(
      (await core.readNamespacedConfigMap({ namespace: ns, name: 'watched' })).metadata?.managedFields,
    ).toHaveLength(1);
    expect(sut.get('listed', ns)?.data).toEqual({ a: '1' });
    expect(handed.map((o) => [o.metadata?.name, o.metadata?.managedFields])).toEqual([
      ['listed', undefined],
      ['watched', undefined],
    ]);
    expect(sut.list().map((o) => o.metadata?.managedFields)).toEqual([undefined, undefined]);
    await sut.stop();
  });

  it('asks the API server for bookmarks on every watch', async () => {
    const kc = clusterKubeConfig(env.hub);
    const ns = `informer-bm-${Date.now()}`;
    const sut = new Informer(new KubeHttp(kc), { path: `/api/v1/namespaces/${ns}/configmaps`, watchTimeoutSeconds: 1 });
    const { lifecycle } = recorder(sut);
    sut.start();
    // A 1 s server-side timeout makes the informer resume its watch several times.
    await expect
      .poll(() => lifecycle.filter((e) => e.type === 'watching').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    await sut.stop();
    const watches = readAuditLog(env.hub.auditLogPath).filter(
      (e) => e.verb === 'watch' && e.objectRef?.namespace === ns && e.stage === 'ResponseComplete',
    );
    expect(watches.length).toBeGreaterThanOrEqual(2);
    for (const w of watches) {
      const q = new URL(w.requestURI, 'https://x').searchParams;
      expect(q.get('allowWatchBookmarks')).toBe('true');
      expect(q.get('resourceVersion')).toMatch(/^\d+$/);
    }
  });

  it('survives an API server restart and a 410 Gone by re-listing, and reports both', async () => {
    // This cluster bypasses the watch cache for ConfigMaps, so an old resourceVersion meets etcd compaction and the
    // API server answers 410 Gone, as a production server does once its watch window has moved on.
    const cluster = await startDedicatedCluster(env, 'informer-410', ['--watch-cache-sizes=configmaps#0']);
    try {
      const kc = clusterKubeConfig(cluster.info);
      const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
      const sut = new Informer<V1ConfigMap>(new KubeHttp(kc), {
        path: '/api/v1/namespaces/default/configmaps',
        backoff: { baseMs: 100, maxMs: 1_000 },
      });
      const { events, lifecycle } = recorder(sut);
      sut.start();
      await sut.synced;
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
      await expect.poll(() => sut.get('before', 'default')).toBeDefined();

      await cluster.stopApiServer();
      await expect.poll(() => lifecycle.some((e) => e.type === 'error' && e.phase === 'watch')).toBe(true);
      // Move etcd past the informer's resourceVersion (another cluster writes) and compact it away.
      await clientNodeConfig(clusterKubeConfig(env.hub))
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'advance-' } } });
      const revision = await etcdRevision(env.etcdUrl);
      const compact = await fetch(`${env.etcdUrl}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision, physical: true }),
      });
      expect(compact.ok).toBe(true);

      const core2 = clientNodeConfig(clusterKubeConfig(await cluster.restart())).makeApiClient(CoreV1Api);
      await core2.deleteNamespacedConfigMap({ name: 'before', namespace: 'default' });
      await core2.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });

      await expect.poll(() => sut.get('after', 'default'), { timeout: 30_000 }).toBeDefined();
      await expect.poll(() => sut.get('before', 'default'), { timeout: 30_000 }).toBeUndefined();
      expect(lifecycle.some((e) => e.type === 'gone')).toBe(true);
      expect(lifecycle.filter((e) => e.type === 'listed').length).toBeGreaterThanOrEqual(2);
      expect(events).toContain('add:after');
      expect(events).toContain('delete:before');
      await sut.stop();
    } finally {
      await cluster.stop();
    }
  });

  it('treats an optional resource that is not served as empty and synced, and lists it once its CRD exists', async () => {
    const http = new KubeHttp(clusterKubeConfig(env.hub));
    const group = `w${Date.now()}.kmm-test.example`;
    const path = `/apis/${group}/v1/widgets`;
    const required = new Informer(http, { path, backoff: { baseMs: 100, maxMs: 200 } });
    const optional = new Informer(http, { path, optional: { retryMs: 200 } });
    const seen = recorder(optional);
    required.start();
    optional.start();
    try {
      await expect.poll(() => optional.hasSynced()).toBe(true);
      expect(optional.list()).toEqual([]);
      expect(seen.lifecycle.some((e) => e.type === 'notServed')).toBe(true);
      await expect.poll(() => required.hasSynced(), { timeout: 1_000 }).toBe(false);

      await http.json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        body: widgetCustomResourceDefinition(group),
      });
      const create = () =>
        http.json('POST', `/apis/${group}/v1/namespaces/default/widgets`, {
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' } },
        });
      // The CRD takes a moment to be served.
      await expect
        .poll(
          () =>
            create().then(
              () => true,
              () => false,
            ),
          { timeout: 20_000 },
        )
        .toBe(true);
      await expect.poll(() => optional.list().map((o) => o.metadata?.name), { timeout: 10_000 }).toEqual(['w1']);
      expect(seen.events).toContain('add:w1');
    } finally {
      await required.stop();
      await optional.stop();
      await http
        .json('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`)
        .catch(() => undefined);
    }
  });
});
