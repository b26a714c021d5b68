import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkGeneratedTypes,
  listStaleFiles,
  readCrdFiles,
  renderGeneratedFiles,
  toKebabCase,
  toTypeSchema,
} from '../scripts/generate-types.mjs';
import type { ManagedClusterModuleSpec, ModuleSpec } from './types.js';

describe('checkGeneratedTypes', () => {
  // The CI gate of `npm run generate:check`: committed src/generated must be what the CRDs produce.
  // json-schema-to-typescript needs seconds for the expanded Kubernetes types of the KMM CRDs on a busy machine.
  it('finds no stale file in src/generated', { timeout: 60_000 }, async () => {
    expect(await checkGeneratedTypes()).toEqual([]);
  });
});

describe('renderGeneratedFiles', () => {
  it('renders one file per kind, the same text on every run', { timeout: 60_000 }, async () => {
    const crdFiles = await readCrdFiles();

    const first = await renderGeneratedFiles(crdFiles);
    const second = await renderGeneratedFiles([...crdFiles].toReversed());

    expect([...first.keys()].toSorted()).toEqual([
      'applied-manifest-work.ts',
      'cluster-claim.ts',
      'configuration-policy.ts',
      'managed-cluster-module.ts',
      'managed-cluster.ts',
      'manifest-work.ts',
      'module.ts',
      'placement-binding.ts',
      'placement-decision.ts',
      'placement-rule.ts',
      'placement.ts',
      'policy.ts',
      'preflight-validation.ts',
    ]);
    expect(second).toEqual(first);
  });

  it('names each interface after the kind and served version', { timeout: 60_000 }, async () => {
    const crdFiles = await readCrdFiles();

    const files = await renderGeneratedFiles(crdFiles);

    expect(files.get('managed-cluster-module.ts')).toContain('export interface ManagedClusterModuleV1Beta1 {');
    expect(files.get('cluster-claim.ts')).toContain('export interface ClusterClaimV1Alpha1 {');
  });
});

describe('listStaleFiles', () => {
  const a = new Map([
    ['a.ts', 'A'],
    ['b.ts', 'B'],
  ]);

  it.each([
    ['nothing when both sides match', new Map(a), []],
    ['a changed file', new Map([...a, ['b.ts', 'B2']]), ['b.ts']],
    ['a missing file', new Map([['a.ts', 'A']]), ['b.ts']],
    ['a file without a CRD', new Map([...a, ['z.ts', 'Z']]), ['z.ts']],
  ])('reports %s', (_, actual, expected) => {
    expect(listStaleFiles(a, actual)).toEqual(expected);
  });
});

describe('toKebabCase', () => {
  it.each([
    ['ManagedClusterModule', 'managed-cluster-module'],
    ['Module', 'module'],
    ['AppliedManifestWork', 'applied-manifest-work'],
  ])('turns %s into %s', (kind, expected) => {
    expect(toKebabCase(kind)).toBe(expected);
  });
});

describe('toTypeSchema', () => {
  it.each([
    [
      'int-or-string as number | string',
      { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      { tsType: 'number | string' },
    ],
    [
      'preserve-unknown-fields as an index signature',
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      { type: 'object', additionalProperties: true },
    ],
    [
      'an object the API server prunes entirely as Record<string, never>',
      { type: 'object' },
      { type: 'object', tsType: 'Record<string, never>' },
    ],
    ['nullable as a union with null', { type: 'string', nullable: true }, { type: ['string', 'null'] }],
    [
      'the default into the documentation',
      { type: 'string', description: 'Dir.', default: '/opt' },
      { type: 'string', description: 'Dir.\n\n@default "/opt"' },
    ],
    [
      'an embedded resource with required apiVersion and kind',
      { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object', additionalProperties: true },
        },
        required: ['apiVersion', 'kind'],
        additionalProperties: true,
      },
    ],
    [
      'value validations away',
      { type: 'string', pattern: '^a$', maxLength: 3, 'x-kubernetes-validations': [{ rule: 'true' }] },
      { type: 'string' },
    ],
  ])('maps %s', (_, node, expected) => {
    expect(toTypeSchema(node)).toEqual(expected);
  });
});

describe('generated types', () => {
  it('give ManagedClusterModule.spec.moduleSpec the type of Module.spec', () => {
    // Checked by tsc: both come from the same schema, written twice in the CRDs (see crds.spec.ts).
    expectTypeOf<NonNullable<ManagedClusterModuleSpec['moduleSpec']>>().toEqualTypeOf<ModuleSpec>();
  });
});
