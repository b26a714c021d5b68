import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { crdSchemaToJsonSchema, UnsupportedCelRuleError } from './crd-schema-to-json-schema.js';
import type { OpenApiV3Schema } from './custom-resource-definition.js';

function validatorFor(schema: OpenApiV3Schema): (data: unknown) => boolean {
  const ajv = new Ajv({ strictTypes: false, strictRequired: false, useDefaults: true });
  return ajv.compile(crdSchemaToJsonSchema(schema));
}

/** A root schema with one spec field, as in a CRD. */
function rootWith(field: OpenApiV3Schema): OpenApiV3Schema {
  return { type: 'object', properties: { spec: { type: 'object', properties: { field } } } };
}

describe('crdSchemaToJsonSchema', () => {
  it.each<[string, OpenApiV3Schema, unknown, boolean]>([
    ['an int-or-string integer', { 'x-kubernetes-int-or-string': true }, 3, true],
    ['an int-or-string string', { 'x-kubernetes-int-or-string': true }, '25%', true],
    ['an int-or-string boolean', { 'x-kubernetes-int-or-string': true }, true, false],
    ['null for a nullable field', { type: 'string', nullable: true }, null, true],
    ['null for a field that is not nullable', { type: 'string' }, null, false],
    ['an int32 at its maximum', { type: 'integer', format: 'int32' }, 2_147_483_647, true],
    ['an int32 past its maximum', { type: 'integer', format: 'int32' }, 2_147_483_648, false],
    ['an RFC 3339 date-time', { type: 'string', format: 'date-time' }, '2026-01-05T10:00:00.5+02:00', true],
    ['a date-time that is not RFC 3339', { type: 'string', format: 'date-time' }, 'yesterday', false],
    ['base64 bytes', { type: 'string', format: 'byte' }, 'LS0tCg==', true],
    ['bytes that are not base64', { type: 'string', format: 'byte' }, 'not base64!', false],
    [
      'a set without duplicates',
      { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ['a', 'b'],
      true,
    ],
    [
      'a set with duplicates',
      { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ['a', 'a'],
      false,
    ],
    ['a declared field', { type: 'object', properties: { a: { type: 'string' } } }, { a: 'x' }, true],
    [
      'an unknown field (strict field validation)',
      { type: 'object', properties: { a: { type: 'string' } } },
      { b: 'x' },
      false,
    ],
    ['a field of an object without properties', { type: 'object' }, { b: 'x' }, false],
    [
      'any field under preserve-unknown-fields',
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      { b: { c: 1 } },
      true,
    ],
    [
      'a map value of the declared type',
      { type: 'object', additionalProperties: { type: 'string' } },
      { k: 'v' },
      true,
    ],
    ['a map value of another type', { type: 'object', additionalProperties: { type: 'string' } }, { k: 1 }, false],
    [
      'an embedded resource with apiVersion and kind',
      { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} },
      true,
    ],
    [
      'an embedded resource without kind',
      { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      { apiVersion: 'v1' },
      false,
    ],
  ])('accepts %s: %j', (_, field, value, expected) => {
    const sut = validatorFor(rootWith(field));

    expect(sut({ spec: { field: value } })).toBe(expected);
  });

  it('leaves the root metadata to the API server', () => {
    const sut = validatorFor({ type: 'object', properties: { metadata: { type: 'object' } } });

    expect(sut({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', labels: { b: 'c' } } })).toBe(true);
  });

  it('declares defaults, so a defaulting validator sees what the API server stores', () => {
    const sut = validatorFor(
      rootWith({ type: 'object', properties: { dirName: { type: 'string', default: '/opt' } } }),
    );
    const object = { spec: { field: {} } };

    expect(sut(object)).toBe(true);
    expect(object).toEqual({ spec: { field: { dirName: '/opt' } } });
  });

  it.each([
    [{}, true],
    [{ dra: {} }, true],
    [{ devicePlugin: {} }, true],
    [{ dra: {}, devicePlugin: {} }, false],
  ])('translates the CEL rule that keeps dra and devicePlugin apart: %j is %s', (spec, expected) => {
    const sut = validatorFor({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { dra: { type: 'object' }, devicePlugin: { type: 'object' } },
          'x-kubernetes-validations': [
            { rule: '!(has(self.dra) && has(self.devicePlugin))', message: 'mutually exclusive' },
          ],
        },
      },
    });

    expect(sut({ spec })).toBe(expected);
  });

  it.each([
    [{ type: 'CEL', condition: 'Degraded' }, true],
    [{ type: 'CEL', condition: '' }, false],
    [{ type: 'WellKnownConditions', condition: '' }, true],
  ])('translates the CEL rule that makes CEL condition rules name their condition: %j is %s', (rule, expected) => {
    const sut = validatorFor(
      rootWith({
        type: 'object',
        required: ['condition', 'type'],
        properties: { condition: { type: 'string' }, type: { type: 'string' } },
        'x-kubernetes-validations': [{ rule: 'self.type != \'CEL\' || self.condition != ""' }],
      }),
    );

    expect(sut({ spec: { field: rule } })).toBe(expected);
  });

  it.each([
    [{ kind: 'ConfigurationPolicy' }, true],
    [{ kind: 'ConfigurationPolicy', namespace: 'x' }, false],
    [{ kind: 'Policy', namespace: 'x' }, true],
  ])('lets oneOf branches constrain values without forbidding fields: %j is %s', (dependency, expected) => {
    // The shape of a Policy dependency: cluster-scoped policy kinds take no namespace.
    const sut = validatorFor(
      rootWith({
        type: 'object',
        properties: { kind: { type: 'string' }, namespace: { type: 'string' } },
        oneOf: [
          { properties: { kind: { enum: ['ConfigurationPolicy'] }, namespace: { maxLength: 0 } } },
          { not: { properties: { kind: { pattern: '^ConfigurationPolicy$' } } } },
        ],
      }),
    );

    expect(sut({ spec: { field: dependency } })).toBe(expected);
  });

  it('refuses a CEL rule it cannot translate rather than skip it', () => {
    const schema: OpenApiV3Schema = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a > 1' }] };

    expect(() => crdSchemaToJsonSchema(schema)).toThrow(UnsupportedCelRuleError);
  });

  it('leaves such a rule out when the caller checks it otherwise', () => {
    const schema: OpenApiV3Schema = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a > 1' }] };

    expect(crdSchemaToJsonSchema(schema, { untranslatedCelRules: 'ignore' })).not.toHaveProperty('allOf');
  });

  it('leaves transition rules out: a single object has no old self', () => {
    const schema: OpenApiV3Schema = {
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'has(self.v) == has(oldSelf.v)' }],
    };

    expect(crdSchemaToJsonSchema(schema)).not.toHaveProperty('allOf');
  });
});
