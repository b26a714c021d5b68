// Turns a CRD's structural openAPIV3Schema into a self-contained JSON Schema (draft-07) that accepts what a
// kube-apiserver accepts with `fieldValidation=Strict` (kubectl's default): unknown fields are errors, defaults are
// declared so a validator that applies them (ajv `useDefaults`) sees what the API server stores, and the Kubernetes
// extensions become plain JSON Schema. Tests use it to check fixtures and rendered objects without a server.
import type { OpenApiV3Schema } from './custom-resource-definition.js';

export type JsonSchema = { [keyword: string]: unknown };

export class UnsupportedCelRuleError extends Error {
  constructor(readonly rule: string) {
    super(`no JSON Schema translation for the CEL rule ${JSON.stringify(rule)}; add one to CEL_TRANSLATIONS`);
  }
}

/**
 * JSON Schema equivalents of the CEL rules (`x-kubernetes-validations`) in libs/api/crds, keyed by rule text. A CRD
 * with a rule missing here fails conversion, so a new rule cannot go unchecked silently.
 */
const CEL_TRANSLATIONS: Record<string, JsonSchema> = {
  '!(has(self.dra) && has(self.devicePlugin))': { not: { required: ['dra', 'devicePlugin'] } },
  'self.type != \'CEL\' || self.condition != ""': {
    anyOf: [
      { not: { properties: { type: { const: 'CEL' } }, required: ['type'] } },
      { properties: { condition: { not: { const: '' } } } },
    ],
  },
};

const INT32 = { minimum: -2_147_483_648, maximum: 2_147_483_647 };
// What the API server's date-time format accepts in practice (RFC 3339, with optional fraction).
const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$';
const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** Keywords copied unchanged: they mean the same in structural schemas and in JSON Schema draft-07. */
const COPIED = [
  'description',
  'default',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'uniqueItems',
  'required',
] as const;

/**
 * Where a node sits. Subschemas of anyOf, oneOf, allOf and not are value validations in Kubernetes: they constrain
 * values but declare no fields, so they must not forbid unknown fields.
 */
interface Position {
  isRoot: boolean;
  isValueValidation: boolean;
}

const ROOT: Position = { isRoot: true, isValueValidation: false };
const NESTED: Position = { isRoot: false, isValueValidation: false };
const VALUE_VALIDATION: Position = { isRoot: false, isValueValidation: true };

export interface CrdSchemaToJsonSchemaOptions {
  /**
   * `throw` (the default): a CEL rule without a translation is an error. `ignore`: such rules are left out, for
   * callers that check the same rules otherwise (fixtures.spec.ts runs validateModule, which holds every rule of
   * the Module CEL, and crds.int.spec.ts sends every fixture to a real API server).
   */
  untranslatedCelRules?: 'throw' | 'ignore';
}

export function crdSchemaToJsonSchema(schema: OpenApiV3Schema, options: CrdSchemaToJsonSchemaOptions = {}): JsonSchema {
  return convert(schema, ROOT, options.untranslatedCelRules ?? 'throw');
}

function convert(node: OpenApiV3Schema, position: Position, untranslated: 'throw' | 'ignore'): JsonSchema {
  const nested = position.isValueValidation ? VALUE_VALIDATION : NESTED;
  const out: JsonSchema = {};
  for (const keyword of COPIED) if (node[keyword] !== undefined) out[keyword] = node[keyword];

  if (node['x-kubernetes-int-or-string']) {
    out.anyOf = node.anyOf?.map((s) => convert(s, VALUE_VALIDATION, untranslated)) ?? [
      { type: 'integer' },
      { type: 'string' },
    ];
  } else if (node.type) {
    out.type = node.nullable ? [node.type, 'null'] : node.type;
  }
  if (node.enum && node.nullable) out.enum = [...node.enum, null];
  applyFormat(node.format, out);

  for (const keyword of ['oneOf', 'allOf'] as const) {
    const list = node[keyword];
    if (list) out[keyword] = list.map((s) => convert(s, VALUE_VALIDATION, untranslated));
  }
  if (node.anyOf && !node['x-kubernetes-int-or-string']) {
    out.anyOf = node.anyOf.map((s) => convert(s, VALUE_VALIDATION, untranslated));
  }
  if (node.not) out.not = convert(node.not, VALUE_VALIDATION, untranslated);
  if (node.items) out.items = convert(node.items, nested, untranslated);
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;

  if (node.type === 'object' || node.properties) Object.assign(out, convertObject(node, position, untranslated));

  // Transition rules (oldSelf) only judge updates; a JSON Schema judges one object, as on create.
  const rules = (node['x-kubernetes-validations'] ?? []).filter(({ rule }) => !/\boldSelf\b/.test(rule));
  const translated = rules.flatMap(({ rule }) => {
    const schema = CEL_TRANSLATIONS[rule];
    if (schema) return [schema];
    if (untranslated === 'ignore') return [];
    throw new UnsupportedCelRuleError(rule);
  });
  if (translated.length > 0) out.allOf = [...((out.allOf as JsonSchema[] | undefined) ?? []), ...translated];
  return out;
}

function convertObject(
  node: OpenApiV3Schema,
  { isRoot, isValueValidation }: Position,
  untranslated: 'throw' | 'ignore',
): JsonSchema {
  const out: JsonSchema = {};
  const nested = isValueValidation ? VALUE_VALIDATION : NESTED;
  const isEmbedded = node['x-kubernetes-embedded-resource'] === true;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, property] of Object.entries(node.properties ?? {})) {
    // ObjectMeta of the object itself (or of an embedded object) is validated by the API server, not the schema.
    properties[name] =
      (isRoot || isEmbedded) && name === 'metadata' ? { type: 'object' } : convert(property, nested, untranslated);
  }
  const required = [...(node.required ?? [])];
  if (isEmbedded) {
    properties.apiVersion ??= { type: 'string', minLength: 1 };
    properties.kind ??= { type: 'string', minLength: 1 };
    properties.metadata ??= { type: 'object' };
    for (const name of ['apiVersion', 'kind']) if (!required.includes(name)) required.push(name);
  }
  if (isRoot) {
    properties.apiVersion ??= { type: 'string' };
    properties.kind ??= { type: 'string' };
    properties.metadata ??= { type: 'object' };
  }
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (required.length > 0) out.required = required;

  if (node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = true;
  } else if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = convert(node.additionalProperties, nested, untranslated);
  } else if (node.additionalProperties !== true && !isValueValidation) {
    // Strict field validation: a field the schema does not declare is rejected instead of pruned.
    out.additionalProperties = false;
  }
  return out;
}

function applyFormat(format: string | undefined, out: JsonSchema): void {
  switch (format) {
    case 'int32':
      out.minimum = Math.max(INT32.minimum, (out.minimum as number | undefined) ?? INT32.minimum);
      out.maximum = Math.min(INT32.maximum, (out.maximum as number | undefined) ?? INT32.maximum);
      break;
    case 'date-time':
      addPattern(out, DATE_TIME_PATTERN);
      break;
    case 'byte':
      addPattern(out, BASE64_PATTERN);
      break;
    default:
      // int64 is every JSON integer a JavaScript number holds; other formats are not used by our CRDs.
      break;
  }
}

function addPattern(out: JsonSchema, pattern: string): void {
  if (out.pattern === undefined) out.pattern = pattern;
  else out.allOf = [...((out.allOf as JsonSchema[] | undefined) ?? []), { pattern }];
}
