import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '@kmm-hub/api';
import {
  appliedWorkOwnerReference,
  contentHash,
  desiredObject,
  isSubset,
  mergeForUpdate,
  needsUpdate,
  reconcileOwnerReferences,
  updateSpecHash,
  type ObjectJson,
} from './applied-object.js';

const ours = appliedWorkOwnerReference({ name: 'hash-work', uid: 'amw-uid' });
const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'other-uid' };

describe('isSubset', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal scalars', 1, 1, true],
    ['different scalars', '1', 1, false],
    ['extra keys in the live object (defaults)', { a: 1 }, { a: 1, b: 2 }, true],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['nested objects', { spec: { x: { y: 1 } } }, { spec: { x: { y: 1, z: 0 } } }, true],
    ['lists element by element', [{ a: 1 }], [{ a: 1, d: 0 }], true],
    ['lists of another length', [1], [1, 2], false],
    ['null asks for absence', { a: null }, {}, true],
    ['null against a value', { a: null }, { a: 1 }, false],
    ['an object against a list', { a: {} }, { a: [] }, false],
  ])('%s', (_name, want, have, expected) => {
    expect(isSubset(want, have)).toBe(expected);
  });
});

describe('desiredObject', () => {
  it('drops server-owned metadata, and the namespace of a cluster-scoped object', () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'n',
        namespace: 'ignored',
        uid: 'u',
        resourceVersion: '5',
        creationTimestamp: 't',
        labels: { a: 'b' },
      },
    };
    expect(desiredObject(manifest, false)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n', labels: { a: 'b' } },
    });
    expect(manifest.metadata.uid).toBe('u');
  });
});

describe('reconcileOwnerReferences', () => {
  it.each<[string, boolean, object[] | undefined, string[]]>([
    ['adds ours when owned', true, [other], ['other-uid', 'amw-uid']],
    ['keeps ours once', true, [other, ours], ['other-uid', 'amw-uid']],
    ['removes ours when orphaned', false, [ours, other], ['other-uid']],
    ['starts from none', true, undefined, ['amw-uid']],
  ])('%s', (_name, owned, existing, uids) => {
    expect(reconcileOwnerReferences(existing as never, ours, owned).map((r) => r.uid)).toEqual(uids);
  });
});

describe('Update strategy', () => {
  const desired = desiredObject(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n', labels: { app: 'x' } },
      data: { k: 'v' },
    },
    true,
  );
  const hash = updateSpecHash(desired);
  const live = (
    over: Partial<ObjectJson> = {},
    annotations: Record<string, string> = { [ANNOTATIONS.specHash]: hash },
  ) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'n',
        resourceVersion: '7',
        labels: { app: 'x', team: 'spoke' },
        annotations,
        finalizers: ['keep.me/please'],
        ownerReferences: [ours],
      },
      data: { k: 'v' },
      ...over,
    }) as ObjectJson;

  it('merges labels and annotations, keeps finalizers and resourceVersion, and replaces the content', () => {
    const body = mergeForUpdate(desired, live({ data: { k: 'drifted', extra: '1' } } as never), [ours], hash);
    expect(body.metadata).toMatchObject({
      resourceVersion: '7',
      labels: { app: 'x', team: 'spoke' },
      annotations: { [ANNOTATIONS.specHash]: hash },
      finalizers: ['keep.me/please'],
      ownerReferences: [ours],
    });
    expect(body['data']).toEqual({ k: 'v' });
  });

  it.each<[string, ObjectJson, string | undefined, boolean]>([
    ['nothing changed (no baseline: subset check)', live(), undefined, false],
    ['nothing changed since our write (baseline)', live(), contentHash(live()), false],
    ['the desired object changed (hash annotation)', live({}, { [ANNOTATIONS.specHash]: 'old' }), undefined, true],
    ['a field drifted', live({ data: { k: 'drifted' } } as never), undefined, true],
    [
      'a field was added on the spoke, seen against the baseline',
      live({ data: { k: 'v', more: '1' } } as never),
      contentHash(live()),
      true,
    ],
    ['our label went missing', { ...live(), metadata: { ...live().metadata, labels: {} } }, undefined, true],
  ])('writes when %s: %s', (_name, existing, baselineContentHash, expected) => {
    expect(needsUpdate({ desired, existing, specHash: hash, ownerReferences: [ours], baselineContentHash })).toBe(
      expected,
    );
  });

  it('writes when ownership changes', () => {
    expect(
      needsUpdate({ desired, existing: live(), specHash: hash, ownerReferences: [], baselineContentHash: undefined }),
    ).toBe(true);
  });
});
