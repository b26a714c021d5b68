import type { KubernetesObject, V1ConfigMap, V1Namespace } from '@kubernetes/client-node';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeApiError, KubeHttp } from './kube-http.js';
import {
  BUILTIN_RESOURCES,
  ResourceClient,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type ResourceDescriptor,
} from './resource-client.js';

const env = inject('env');

// The hub's CRDs are installed on the shared env; ManifestWork has a status subresource.
const MANIFEST_WORK: ResourceDescriptor = {
  group: 'work.open-cluster-management.io',
  version: 'v1',
  plural: 'manifestworks',
  namespaced: true,
  kind: 'ManifestWork',
};

interface Work extends KubernetesObject {
  spec?: unknown;
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[];
  };
}

const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe(ResourceClient.name, () => {
  const http = new KubeHttp(clusterKubeConfig(env.hub));
  const configMaps = new ResourceClient<V1ConfigMap>(http, BUILTIN_RESOURCES.ConfigMap);
  const works = new ResourceClient<Work>(http, MANIFEST_WORK);
  const namespace = `resource-client-${Date.now()}`;
  const cm = (name: string, data: Record<string, string> = {}): V1ConfigMap => ({
    metadata: { name, namespace },
    data,
  });

  beforeAll(async () => {
    await new ResourceClient<V1Namespace>(http, BUILTIN_RESOURCES.Namespace).create({ metadata: { name: namespace } });
  });

  it('creates, gets, finds and lists; a second create is AlreadyExists and a missing object NotFound', async () => {
    const created = await configMaps.create(
      { ...cm('a', { k: 'v' }), metadata: { name: 'a', labels: { x: '1' } } },
      {
        namespace,
      },
    );
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace } });
    await configMaps.create(cm('b'));

    expect(isAlreadyExists(await caught(configMaps.create(cm('a'))))).toBe(true);
    expect(isConflict(await caught(configMaps.create(cm('a'))))).toBe(false);
    expect(await configMaps.get('a', { namespace })).toMatchObject({ data: { k: 'v' } });
    expect(await configMaps.find('missing', { namespace })).toBeUndefined();
    const missing = await caught(configMaps.get('missing', { namespace }));
    expect(missing).toBeInstanceOf(KubeApiError);
    expect(isNotFound(missing)).toBe(true);

    const all = await configMaps.list({ namespace });
    expect(all.items.map((i) => i.metadata?.name).toSorted()).toEqual(expect.arrayContaining(['a', 'b']));
    const labelled = await configMaps.list({ namespace, labelSelector: 'x=1' });
    expect(labelled.items.map((i) => i.metadata?.name)).toEqual(['a']);
  });

  it('merge-patches, and a merge patch with a stale resourceVersion is a Conflict that changes nothing', async () => {
    const v1 = await configMaps.create(cm('merge', { a: '1', b: '2' }));
    const v2 = await configMaps.mergePatch('merge', { data: { a: '10', b: null } }, { namespace });
    expect(v2.data).toEqual({ a: '10' });

    const stale = await caught(
      configMaps.mergePatch(
        'merge',
        { metadata: { resourceVersion: v1.metadata?.resourceVersion }, data: { a: 'stale' } },
        { namespace },
      ),
    );
    expect(isConflict(stale)).toBe(true);
    expect((await configMaps.get('merge', { namespace })).data).toEqual({ a: '10' });
  });

  it('applies a JSON patch only when its test operation holds', async () => {
    await configMaps.create(cm('json', { a: '1' }));
    const patched = await configMaps.jsonPatch(
      'json',
      [
        { op: 'test', path: '/data/a', value: '1' },
        { op: 'replace', path: '/data/a', value: '2' },
      ],
      { namespace },
    );
    expect(patched.data).toEqual({ a: '2' });

    const failed = await caught(
      configMaps.jsonPatch(
        'json',
        [
          { op: 'test', path: '/data/a', value: '1' },
          { op: 'replace', path: '/data/a', value: '3' },
        ],
        { namespace },
      ),
    );
    expect(failed).toMatchObject({ status: 422, reason: 'Invalid' });
    expect((await configMaps.get('json', { namespace })).data).toEqual({ a: '2' });
  });

  it('replaces with optimistic concurrency: a PUT of a stale copy is a Conflict', async () => {
    const v1 = await configMaps.create(cm('put', { a: '1' }));
    await configMaps.replace({ ...v1, data: { a: '2' } });
    const stale = await caught(configMaps.replace({ ...v1, data: { a: 'stale' } }));
    expect(isConflict(stale)).toBe(true);
    expect((await configMaps.get('put', { namespace })).data).toEqual({ a: '2' });
  });

  it('deletes only the incarnation and version named by its preconditions', async () => {
    const first = await configMaps.create(cm('del'));
    await configMaps.mergePatch('del', { data: { changed: 'yes' } }, { namespace });

    const staleVersion = await caught(
      configMaps.delete('del', { namespace, preconditions: { resourceVersion: first.metadata?.resourceVersion } }),
    );
    expect(isConflict(staleVersion)).toBe(true);

    await configMaps.delete('del', { namespace, preconditions: { uid: first.metadata?.uid } });
    const second = await configMaps.create(cm('del'));
    const wrongUid = await caught(configMaps.delete('del', { namespace, preconditions: { uid: first.metadata?.uid } }));
    expect(isConflict(wrongUid)).toBe(true);
    expect((await configMaps.get('del', { namespace })).metadata?.uid).toBe(second.metadata?.uid);

    await configMaps.delete('del', {
      namespace,
      preconditions: { uid: second.metadata?.uid, resourceVersion: second.metadata?.resourceVersion },
    });
    expect(await configMaps.find('del', { namespace })).toBeUndefined();
    expect(isNotFound(await caught(configMaps.delete('del', { namespace })))).toBe(true);
  });

  it('writes the status subresource by PUT and merge patch, and nothing else through it', async () => {
    const created = await works.create({ metadata: { name: 'w', namespace }, spec: {} });
    const condition = {
      type: 'Applied',
      status: 'True',
      reason: 'AppliedManifestWorkComplete',
      message: 'applied',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const replaced = await works.replaceStatus({
      ...created,
      metadata: { ...created.metadata, labels: { ignored: 'by-status' } },
      status: { conditions: [condition] },
    });
    expect(replaced.status?.conditions).toEqual([condition]);
    expect(replaced.metadata?.labels).toBeUndefined();

    const stale = await caught(works.replaceStatus({ ...created, status: { conditions: [] } }));
    expect(isConflict(stale)).toBe(true);

    const patched = await works.mergePatchStatus(
      'w',
      { status: { conditions: [{ ...condition, type: 'Available' }] } },
      { namespace },
    );
    expect(patched.status?.conditions?.map((c) => c.type)).toEqual(['Available']);
  });

  it('server-side applies under a field manager, refusing a conflicting manager unless forced', async () => {
    const applied = await configMaps.apply(
      { metadata: { name: 'ssa', namespace }, data: { owned: 'by-a' } },
      { fieldManager: 'manager-a' },
    );
    expect(applied.data).toEqual({ owned: 'by-a' });
    expect(applied.metadata?.managedFields?.map((f) => f.manager)).toContain('manager-a');

    const conflict = await caught(
      configMaps.apply(
        { metadata: { name: 'ssa', namespace }, data: { owned: 'by-b' } },
        { fieldManager: 'manager-b' },
      ),
    );
    expect(isConflict(conflict)).toBe(true);

    const forced = await configMaps.apply(
      // Server-owned metadata from a read copy is dropped rather than sent.
      { ...applied, data: { owned: 'by-b' } },
      { fieldManager: 'manager-b', force: true },
    );
    expect(forced.data).toEqual({ owned: 'by-b' });
  });

  it('adds and removes a finalizer keeping the others, and does nothing when there is nothing to change', async () => {
    const created = await configMaps.create({
      ...cm('fin'),
      metadata: { ...cm('fin').metadata, finalizers: ['x/other'] },
    });
    const added = await configMaps.addFinalizer(created, 'x/ours');
    expect(added.metadata?.finalizers).toEqual(['x/other', 'x/ours']);
    // Unchanged: no write, the copy given comes back (a stale copy would otherwise conflict).
    await expect(configMaps.addFinalizer(added, 'x/ours')).resolves.toBe(added);

    const removed = await configMaps.removeFinalizer(added, 'x/ours');
    expect(removed.metadata?.finalizers).toEqual(['x/other']);
    await configMaps.removeFinalizer(removed, 'x/other');
    await configMaps.delete('fin', { namespace });
    expect(await configMaps.find('fin', { namespace })).toBeUndefined();
  });

  it('never drops a finalizer another writer added meanwhile: without retries the race is a Conflict, with retries both stay', async () => {
    const base = await configMaps.create(cm('race'));
    // Two writers read the same copy and each add their own finalizer.
    const [a, b] = await Promise.allSettled([
      configMaps.addFinalizer(base, 'x/writer-a'),
      configMaps.addFinalizer(base, 'x/writer-b'),
    ]);
    const lost = [a, b].filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect(isConflict((lost[0] as PromiseRejectedResult).reason)).toBe(true);
    expect((await configMaps.get('race', { namespace })).metadata?.finalizers).toHaveLength(1);

    // A retrying writer redoes its edit on the fresh copy.
    const both = await configMaps.addFinalizer(base, 'x/writer-c', { conflictRetries: 2 });
    expect(both.metadata?.finalizers).toHaveLength(2);
    expect(both.metadata?.finalizers).toContain('x/writer-c');

    const stale = await caught(configMaps.removeFinalizer(base, 'x/writer-c'));
    expect(stale).toBeUndefined(); // nothing to remove in the stale copy: no write at all
    const cleaned = await configMaps.removeFinalizer(both, 'x/writer-c', { conflictRetries: 1 });
    expect(cleaned.metadata?.finalizers).not.toContain('x/writer-c');
    await configMaps.mergePatch('race', { metadata: { finalizers: null } }, { namespace });
  });
});
