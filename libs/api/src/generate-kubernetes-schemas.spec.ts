import { describe, expect, it } from 'vitest';
import {
  checkCrds,
  expandDefinition,
  MODULE_SPEC_FIELDS,
  readVendoredSchemas,
  selectDefinitions,
  type Schemas,
} from '../scripts/generate-kubernetes-schemas.mjs';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const vendored = await readVendoredSchemas();

describe('checkCrds', () => {
  // The CI gate of `npm run generate:check`: the committed CRDs hold what the vendored OpenAPI expands to.
  // Formatting two 150 kB CRDs with Prettier takes seconds on a busy machine.
  it('finds no stale CRD', { timeout: 60_000 }, async () => {
    expect(await checkCrds()).toEqual([]);
  });
});

describe('selectDefinitions', () => {
  it('vendors exactly the definitions the ModuleSpec fields reach', () => {
    const roots = [...new Set(Object.values(MODULE_SPEC_FIELDS))];

    expect(Object.keys(selectDefinitions(vendored, roots))).toEqual(Object.keys(vendored));
  });
});

describe('expandDefinition', () => {
  it.each([
    [
      'Quantity as controller-gen renders it',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
      expect.objectContaining({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true }),
    ],
    [
      'IntOrString',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    ],
    [
      'RawExtension, keeping unknown fields',
      'io.k8s.apimachinery.pkg.runtime.RawExtension',
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    ],
    ['an embedded ObjectMeta as a bare object', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', { type: 'object' }],
  ])('renders %s', (_, name, expected) => {
    expect(expandDefinition(vendored, name)).toEqual(expected);
  });

  it('inlines references, keeps list and map types, sorts required and drops what a CRD cannot say', () => {
    const schemas: Schemas = {
      'x.Item': {
        description: 'dropped',
        type: 'object',
        required: ['name', 'key'],
        properties: {
          name: { type: 'string', default: '' },
          key: { type: 'string', default: '' },
          optional: { type: 'string', default: 'keep' },
          ref: { allOf: [ref('x.Leaf')], default: {} },
          list: {
            type: 'array',
            items: { allOf: [ref('x.Leaf')], default: {} },
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            'x-kubernetes-patch-strategy': 'merge',
            'x-kubernetes-patch-merge-key': 'name',
          },
        },
      },
      'x.Leaf': { type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-map-type': 'atomic' },
    };
    const leaf = { type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-map-type': 'atomic' };

    expect(expandDefinition(schemas, 'x.Item')).toEqual({
      type: 'object',
      required: ['key', 'name'],
      properties: {
        name: { type: 'string' },
        key: { type: 'string' },
        optional: { type: 'string', default: 'keep' },
        ref: leaf,
        list: { type: 'array', items: leaf, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      },
    });
  });

  it('refuses a type that contains itself, naming the cycle', () => {
    const schemas: Schemas = {
      'x.A': { type: 'object', properties: { b: ref('x.B') } },
      'x.B': { type: 'object', properties: { a: { type: 'array', items: ref('x.A') } } },
    };

    expect(() => expandDefinition(schemas, 'x.A')).toThrow('recursive type: x.A -> x.B -> x.A');
  });

  it('refuses a definition the vendored subset lacks', () => {
    expect(() => expandDefinition(vendored, 'io.k8s.api.core.v1.Pod')).toThrow(
      'the vendored OpenAPI subset has no io.k8s.api.core.v1.Pod; refresh it with --vendor',
    );
  });
});
