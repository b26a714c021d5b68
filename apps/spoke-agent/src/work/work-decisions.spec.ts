import type { AppliedManifestWork, ManifestWork } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import type { ApplyTarget } from './resource-applier.js';
import {
  appliedResourcesOf,
  decideOrphanedAppliedWork,
  incompleteMeta,
  needsApply,
  resourceMetaOf,
  workLabelsKey,
  type AppliedManifest,
  type ApplyMemory,
} from './work-decisions.js';

const work = (generation: number, labels: Record<string, string> = { a: '1' }): ManifestWork => ({
  apiVersion: 'work.open-cluster-management.io/v1',
  kind: 'ManifestWork',
  metadata: { name: 'w', namespace: 'edge-1', generation, labels },
  spec: { workload: { manifests: [] } },
});

describe('needsApply', () => {
  const memory: ApplyMemory = {
    generation: 1,
    labelsKey: workLabelsKey(work(1)),
    nextApplyAt: 1_000,
    retryReason: undefined,
  };
  it.each<[string, ApplyMemory | undefined, ManifestWork, number, boolean]>([
    ['never applied by this process', undefined, work(1), 0, true],
    ['nothing changed before the resync', memory, work(1), 999, false],
    ['a new generation', memory, work(2), 0, true],
    ['labels changed', memory, work(1, { a: '2' }), 0, true],
    [
      'the same labels in another order',
      { ...memory, labelsKey: workLabelsKey(work(1, { b: '2', a: '1' })) },
      work(1, { a: '1', b: '2' }),
      0,
      false,
    ],
    ['the last pass must be retried', { ...memory, retryReason: 'conflict' }, work(1), 0, true],
    ['the resync time is reached', memory, work(1), 1_000, true],
  ])('%s → %s', (_, m, w, now, expected) => {
    expect(needsApply(m, w, now)).toBe(expected);
  });
});

describe('decideOrphanedAppliedWork', () => {
  const applied = (evictionStartTime?: string): AppliedManifestWork =>
    ({
      apiVersion: 'work.open-cluster-management.io/v1',
      kind: 'AppliedManifestWork',
      metadata: { name: 'hash-w' },
      spec: { hubHash: 'hash', agentID: 'a', manifestWorkName: 'w' },
      ...(evictionStartTime !== undefined && { status: { evictionStartTime } }),
    }) as AppliedManifestWork;
  const start = '2026-12-05T00:00:00Z';
  const t0 = Date.parse(start);
  it.each([
    [
      'no eviction yet: start it, come back after the grace',
      applied(),
      t0,
      { action: 'StartEviction', requeueAfterMs: 60_000 },
    ],
    ['within the grace: wait for the rest', applied(start), t0 + 15_000, { action: 'Wait', requeueAfterMs: 45_000 }],
    ['the grace is over: evict', applied(start), t0 + 60_000, { action: 'Evict' }],
    ['long past the grace: evict', applied(start), t0 + 3_600_000, { action: 'Evict' }],
  ])('%s', (_, a, now, expected) => {
    expect(decideOrphanedAppliedWork(a, now, 60)).toEqual(expected);
  });
});

describe('appliedResourcesOf', () => {
  const target = (name: string): ApplyTarget =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      group: '',
      version: 'v1',
      resource: 'configmaps',
      namespaced: true,
      namespace: 'kmm',
      name,
    }) as ApplyTarget;
  const manifest = (name: string, extra: Partial<AppliedManifest>): AppliedManifest => ({
    meta: resourceMetaOf(target(name), 0),
    target: target(name),
    strategy: 'ServerSideApply',
    applied: { ok: true },
    uid: `uid-${name}`,
    ...extra,
  });

  it('lists every placed manifest, records only the applied ones with a uid, and neither for ReadOnly', () => {
    const sut = appliedResourcesOf([
      manifest('ok', {}),
      manifest('failed', { applied: { ok: false, message: 'forbidden' } }),
      manifest('read-only', { strategy: 'ReadOnly' }),
      { meta: incompleteMeta({ kind: 'Widget' }, 3), applied: { ok: false, message: 'not served' } },
    ]);
    expect(sut.applied).toEqual([
      { group: '', version: 'v1', resource: 'configmaps', namespace: 'kmm', name: 'ok', uid: 'uid-ok' },
    ]);
    expect([...sut.listed]).toEqual(['/configmaps/kmm/ok', '/configmaps/kmm/failed']);
  });
});

describe('incompleteMeta', () => {
  it.each([
    [
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'n' } },
      ['example.com', 'v1', 'Widget', 'n', 'w'],
    ],
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, ['', 'v1', 'ConfigMap', '', 'c']],
    [{ metadata: { name: 3 } }, ['', '', '', '', '']],
  ])('says what it can of %j, with an empty resource', (manifest, [group, version, kind, namespace, name]) => {
    expect(incompleteMeta(manifest, 2)).toEqual({ ordinal: 2, group, version, kind, resource: '', namespace, name });
  });
});
