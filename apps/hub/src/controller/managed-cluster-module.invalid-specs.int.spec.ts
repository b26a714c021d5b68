// Random invalid ManagedClusterModules (mutations of valid ones) against the real API server and a running hub:
// each is refused by the API server with a 4xx and a message, or accepted and then judged by the hub (Valid=False
// with a message, or Valid=True when the mutation happened to keep it valid); the hub keeps working throughout.
// KMM_HUB_INVALID_MCMS sets how many (default 1,000: about 9 s of creating and judging, 24 s with the dedicated
// API server, on 2 cores).
import { RESOURCES, newLoaderManagedClusterModule, newManagedClusterModule, newModuleSpec } from '@kmm-hub/api';
import { KubeApiError } from '@kmm-hub/kube';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startHubUnderTest, type HubUnderTest } from './hub-under-test.testing.js';
import type { ManagedClusterModuleReconciler } from './managed-cluster-module.reconciler.js';

const env = inject('env');
const COUNT = Number(process.env.KMM_HUB_INVALID_MCMS ?? 1_000);
const CONCURRENCY = 8;
const KERNEL = '6.1.0-56-amd64';
const collection = `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Valid MCMs to mutate: a plain loader selecting the one cluster, and a full spec with build and sign. */
function seeds(): Json[] {
  const image = `${env.registry.host}/invalid-specs/never-pushed:\${KERNEL_FULL_VERSION}`;
  const loader = newLoaderManagedClusterModule({ name: 'seed', selector: { fuzz: 'yes' }, regexp: '^6\\.1\\.', image });
  const full = newManagedClusterModule({ metadata: { name: 'seed' }, spec: { moduleSpec: newModuleSpec() } });
  const mapping = full.spec.moduleSpec.moduleLoader.container.kernelMappings[0]!;
  mapping.containerImage = image;
  return [loader, full].map((m) => JSON.parse(JSON.stringify(m)) as Json);
}

const BAD_VALUES: Json[] = [
  null,
  '',
  ' ',
  -1,
  0,
  2 ** 31,
  1.5,
  true,
  'x'.repeat(300),
  'Invalid_Name!',
  'UPPER',
  '-lead',
  '${',
  '${KERNEL_XY}',
  '(',
  'a{1001}',
  '[z-a]',
  'registry.example/../x:tag',
  '/opt/../../etc/passwd',
  {},
  [],
  [{}],
  { key: '', operator: 'Bogus', values: ['x'] },
  { key: 'a', operator: 'In' },
  { regexp: '', literal: '' },
  { name: '' },
];

/** Every path to a value in `value` (objects and arrays included), from the root. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === 'object') {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  }
  return here;
}

type Mutation = { pick: number; action: 'set' | 'delete' | 'add'; value: Json; field: string };

function mutate(seed: Json, mutations: readonly Mutation[]): Json {
  const copy = structuredClone(seed);
  for (const m of mutations) {
    // Values are cloned: the pool's objects are shared by every case, and one may be added into itself.
    // apiVersion and kind only choose the endpoint; everything under metadata and spec is fair game.
    const candidates = paths(copy).filter((p) => p[0] === 'spec' || p[0] === 'metadata');
    const path = candidates[m.pick % candidates.length];
    if (path === undefined) continue;
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string, Json>)[k] as Json, copy) as
      Record<string, Json> | Json[];
    const last = path.at(-1)!;
    if (m.action === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (m.action === 'add') {
      const target = (parent as Record<string, Json>)[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target))
        target[m.field] = structuredClone(m.value);
      else (parent as Record<string, Json>)[last] = structuredClone(m.value);
    } else {
      (parent as Record<string, Json>)[last] = structuredClone(m.value);
    }
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  action: fc.constantFrom('set', 'set', 'delete', 'add'),
  value: fc.constantFrom(...BAD_VALUES),
  field: fc.constantFrom('unknownField', 'literal', 'build', 'sign', 'placementRef', 'clusterSelector', 'version'),
});

interface Outcome {
  name: string;
  refused?: { status: number; message: string };
}

describe(`${COUNT} random invalid ManagedClusterModules on the real API server`, () => {
  let t: HubUnderTest;
  let reconciler: ManagedClusterModuleReconciler;

  beforeAll(async () => {
    t = await startHubUnderTest(env, 'invalid-specs', ['fuzz-1']);
    await t.applyCluster('fuzz-1', { fuzz: 'yes' }, [KERNEL]);
    ({ reconciler } = await t.startHub({ RECHECK_INTERVAL_S: '600', IMAGE_CHECK_TTL_S: '600' }));
    await vi.waitFor(() => expect(reconciler.isLeader).toBe(true), { timeout: 10_000, interval: 100 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('refuses each with a 4xx and a message, or marks it Valid=True/False with a message; the hub survives', async () => {
    const cases = fc.sample(
      fc.tuple(fc.constantFrom(...seeds()), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean()),
      COUNT,
    );
    const outcomes: Outcome[] = [];
    const create = async ([seed, mutations, keepName]: (typeof cases)[number], index: number): Promise<void> => {
      const object = mutate(seed, mutations) as { metadata?: Json };
      const name = `inv-${index}`;
      // Mostly a fresh name so the objects do not collide; sometimes whatever the mutation left.
      if (
        !keepName &&
        object.metadata !== null &&
        typeof object.metadata === 'object' &&
        !Array.isArray(object.metadata)
      )
        object.metadata['name'] = name;
      const actual = (object.metadata as { name?: unknown } | undefined)?.name;
      try {
        const created = await t.http.json<{ metadata: { name: string } }>('POST', collection, { body: object });
        outcomes.push({ name: created.metadata.name });
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        outcomes.push({ name: String(actual), refused: { status: error.status, message: error.message } });
      }
    };
    for (let i = 0; i < cases.length; i += CONCURRENCY) {
      await Promise.all(cases.slice(i, i + CONCURRENCY).map((c, j) => create(c, i + j)));
    }

    const refused = outcomes.filter((o) => o.refused !== undefined);
    for (const o of refused) {
      // 409 AlreadyExists: a kept name that an earlier case took; still a refusal with a reason.
      expect(o.refused!.status, o.refused!.message).toBeGreaterThanOrEqual(400);
      expect(o.refused!.status, o.refused!.message).toBeLessThan(500);
      expect(o.refused!.message).not.toBe('');
    }

    const accepted = new Set(outcomes.filter((o) => o.refused === undefined).map((o) => o.name));
    type Listed = {
      metadata: { name: string };
      status?: { conditions?: { type: string; status: string; message?: string }[] };
    };
    const judged = async () => {
      const list = await t.http.json<{ items: Listed[] }>('GET', collection);
      return list.items
        .filter((m) => accepted.has(m.metadata.name))
        .map((m) => ({ name: m.metadata.name, valid: m.status?.conditions?.find((c) => c.type === 'Valid') }));
    };
    await vi.waitFor(
      async () => {
        const all = await judged();
        expect(all).toHaveLength(accepted.size);
        for (const m of all)
          expect(['True', 'False'], `${m.name}: ${JSON.stringify(m.valid)}`).toContain(m.valid?.status);
      },
      { timeout: 60_000, interval: 500 },
    );
    const verdicts = await judged();
    for (const m of verdicts.filter((v) => v.valid?.status === 'False')) expect(m.valid?.message, m.name).toBeTruthy();

    // The hub still works: still the leader, and a valid MCM created now is judged valid.
    expect(reconciler.isLeader).toBe(true);
    const image = `${env.registry.host}/invalid-specs/never-pushed:\${KERNEL_FULL_VERSION}`;
    await t.applier.apply(
      newLoaderManagedClusterModule({ name: 'after-fuzz', selector: { fuzz: 'yes' }, regexp: '^6\\.', image }),
    );
    await expect
      .poll(async () => (await t.getMcm('after-fuzz')).status?.conditions?.find((c) => c.type === 'Valid')?.status, {
        timeout: 20_000,
      })
      .toBe('True');

    const invalid = verdicts.filter((v) => v.valid?.status === 'False').length;
    console.log(
      `invalid-specs: ${COUNT} generated, ${refused.length} refused by the API server, ` +
        `${invalid} accepted and Valid=False, ${accepted.size - invalid} accepted and Valid=True`,
    );
  }, 240_000);
});
