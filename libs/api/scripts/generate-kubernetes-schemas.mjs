// Expands the Kubernetes types that KMM's ModuleSpec embeds (core/v1 EnvVar, ResourceRequirements, VolumeMount,
// Volume, Toleration; resource.k8s.io/v1 DeviceSelector and DeviceClassConfiguration) into structural schemas inside
// the CRD YAML of libs/api/crds, the way controller-gen renders upstream KMM's CRDs from the Go types. Without them
// those fields would need x-kubernetes-preserve-unknown-fields, and a typo such as `env[0].vaule` would be stored
// where upstream's API server answers `unknown field`.
//
// The source is the OpenAPI v3 document of the Kubernetes version we serve, vendored as the subset we use in
// libs/api/openapi/ so generation and `--check` need no network:
//
//   node libs/api/scripts/generate-kubernetes-schemas.mjs            rewrite the expanded fields of the CRDs
//   node libs/api/scripts/generate-kubernetes-schemas.mjs --check    exit 1 if a CRD differs from what it renders
//   node libs/api/scripts/generate-kubernetes-schemas.mjs --vendor DIR
//        refresh the vendored subset from DIR, the api/openapi-spec/v3 folder of k8s.io/kubernetes (for instance
//        $(go env GOMODCACHE)/k8s.io/kubernetes@v1.35.4/api/openapi-spec/v3 once test/env/build-binaries.sh ran)
//
// Descriptions of the expanded types are dropped: with them the Module and ManagedClusterModule CRDs pass 256 KiB
// (upstream's are 400 KB), too big for client-side `kubectl apply`, and the generated TypeScript triples.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse, stringify } from 'yaml';

export const CRD_DIR = fileURLToPath(new URL('../crds/', import.meta.url));
export const KUBERNETES_VERSION = 'v1.35.4';
export const OPENAPI_FILE = fileURLToPath(new URL(`../openapi/kubernetes-${KUBERNETES_VERSION}.json`, import.meta.url));

/** The OpenAPI documents of the groups we take types from, by file name in api/openapi-spec/v3. */
const OPENAPI_SOURCES = ['api__v1_openapi.json', 'apis__resource.k8s.io__v1_openapi.json'];

const CORE = 'io.k8s.api.core.v1';
const RESOURCE = 'io.k8s.api.resource.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Where each Kubernetes type sits in KMM's ModuleSpec (upstream api/v1beta1/module_types.go). */
export const MODULE_SPEC_FIELDS = {
  'tolerations[]': `${CORE}.Toleration`,
  ...Object.fromEntries(
    ['devicePlugin', 'dra'].flatMap((feature) => [
      [`${feature}.volumes[]`, `${CORE}.Volume`],
      ...['container', 'initContainer'].flatMap((container) => [
        [`${feature}.${container}.env[]`, `${CORE}.EnvVar`],
        [`${feature}.${container}.resources`, `${CORE}.ResourceRequirements`],
        [`${feature}.${container}.volumeMounts[]`, `${CORE}.VolumeMount`],
      ]),
    ]),
  ),
  'dra.deviceClasses[].selectors[]': `${RESOURCE}.DeviceSelector`,
  'dra.deviceClasses[].config[]': `${RESOURCE}.DeviceClassConfiguration`,
};

/**
 * Schema keywords added to an expanded type. Upstream's webhook (internal/webhook/module.go validateTolerations)
 * accepts only these operators and effects and a label value (at most 63 bytes; empty for Exists), so these refuse
 * nothing upstream accepts, with the API server's own message naming the value. The API server also needs the
 * bound to afford the CEL rules of the items: without maxLength it estimates every string at the request size.
 */
export const OVERLAYS = {
  [`${CORE}.Toleration`]: {
    properties: {
      operator: { enum: ['', 'Equal', 'Exists'] },
      value: { maxLength: 63 },
      effect: { enum: ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    },
  },
};

/** The CRDs that embed a ModuleSpec, and where. */
export const MODULE_SPEC_ROOTS = {
  'kmm.sigs.x-k8s.io_modules.yaml': 'spec',
  'hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml': 'spec.moduleSpec',
};

// Quantity is a string or a number in OpenAPI; controller-gen renders it with its kubebuilder pattern
// (k8s.io/apimachinery/pkg/api/resource/quantity.go) and x-kubernetes-int-or-string, so 2 and "2Gi" both pass.
const QUANTITY_SCHEMA = {
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern:
    '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  'x-kubernetes-int-or-string': true,
};
const INT_OR_STRING_SCHEMA = { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
const RAW_EXTENSION_SCHEMA = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
// controller-gen renders an ObjectMeta below the root as a bare object (generateEmbeddedObjectMeta is off upstream).
const EMBEDDED_OBJECT_META_SCHEMA = { type: 'object' };

// Where controller-gen and the OpenAPI document disagree for the same k8s.io/api types, we follow controller-gen so
// our CRDs store what upstream's store. It cannot evaluate `+default=ref(...)` markers, so these defaults are absent
// upstream; and it carries `+structType=atomic` of an embedded LocalObjectReference over to the embedding struct.
const DEFAULTS_CONTROLLER_GEN_DROPS = { [`${CORE}.AzureDiskVolumeSource`]: ['cachingMode', 'kind'] };
const ATOMIC_BY_EMBEDDING = [
  `${CORE}.ConfigMapVolumeSource`,
  `${CORE}.ConfigMapProjection`,
  `${CORE}.SecretProjection`,
];

/** OpenAPI keys a CRD schema keeps; the patch-strategy, union and GVK extensions have no meaning in a CRD. */
const KEPT_KEYS = [
  'type',
  'format',
  'required',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'pattern',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

const refName = (ref) => ref.replace('#/components/schemas/', '');

/** The definitions reachable from `roots`, without descriptions: what the vendored subset holds. */
export function selectDefinitions(schemas, roots) {
  const selected = {};
  const visit = (name) => {
    if (name in selected) return;
    const schema = schemas[name];
    if (!schema) throw new Error(`the OpenAPI documents define no ${name}`);
    selected[name] = stripDescriptions(schema);
    JSON.stringify(schema, (key, value) => {
      if (key === '$ref') visit(refName(value));
      return value;
    });
  };
  roots.forEach(visit);
  return Object.fromEntries(Object.entries(selected).toSorted(([a], [b]) => a.localeCompare(b)));
}

function stripDescriptions(node) {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'description')
      .map(([key, value]) => [
        key,
        key === 'properties' ? mapValues(value, stripDescriptions) : stripDescriptions(value),
      ]),
  );
}

const mapValues = (object, fn) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));

/**
 * The structural CRD schema of definition `name`, fully expanded. Like controller-gen: references are inlined,
 * Quantity and IntOrString become x-kubernetes-int-or-string, RawExtension keeps unknown fields, and only defaults
 * of optional fields survive (openapi-gen also writes the zero value of every required field as a default, which
 * controller-gen does not, and `{}` for every struct, which would make the API server add empty objects).
 * A type that contains itself cannot be a structural schema; it is an error naming the cycle.
 */
export function expandDefinition(schemas, name, stack = []) {
  if (stack.includes(name)) throw new Error(`recursive type: ${[...stack, name].join(' -> ')}`);
  if (name === QUANTITY) return structuredClone(QUANTITY_SCHEMA);
  if (name === INT_OR_STRING) return structuredClone(INT_OR_STRING_SCHEMA);
  if (name === RAW_EXTENSION) return structuredClone(RAW_EXTENSION_SCHEMA);
  if (name === OBJECT_META) return structuredClone(EMBEDDED_OBJECT_META_SCHEMA);
  const schema = schemas[name];
  if (!schema) throw new Error(`the vendored OpenAPI subset has no ${name}; refresh it with --vendor`);
  const expanded = expandNode(schemas, schema, [...stack, name]);
  for (const property of DEFAULTS_CONTROLLER_GEN_DROPS[name] ?? []) delete expanded.properties[property].default;
  if (ATOMIC_BY_EMBEDDING.includes(name)) expanded['x-kubernetes-map-type'] = 'atomic';
  return expanded;
}

function expandNode(schemas, node, stack) {
  const ref = node.$ref ?? (node.allOf?.length === 1 ? node.allOf[0].$ref : undefined);
  if (ref) return expandDefinition(schemas, refName(ref), stack);
  if (node.oneOf || node.anyOf || node.allOf) {
    throw new Error(`${stack.at(-1)}: oneOf/anyOf/allOf other than a single reference is not supported`);
  }
  const out = {};
  for (const key of KEPT_KEYS) if (node[key] !== undefined) out[key] = structuredClone(node[key]);
  // controller-gen lists required fields sorted.
  if (out.required) out.required.sort();
  if (node.items) out.items = expandNode(schemas, node.items, stack);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = expandNode(schemas, node.additionalProperties, stack);
  }
  if (node.properties) {
    const required = new Set(node.required ?? []);
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([propertyName, property]) => {
        const expanded = expandNode(schemas, property, stack);
        const value = property.default;
        if (value !== undefined && !required.has(propertyName) && (value === null || typeof value !== 'object')) {
          expanded.default = value;
        }
        return [propertyName, expanded];
      }),
    );
  }
  return out;
}

/** Sets the expanded schema of every MODULE_SPEC_FIELDS entry in one parsed CRD; keeps our own description. */
export function expandCrd(crd, moduleSpecPath, schemas) {
  for (const version of crd.spec.versions) {
    const root = resolvePath(version.schema.openAPIV3Schema, moduleSpecPath, crd.metadata.name);
    for (const [path, definition] of Object.entries(MODULE_SPEC_FIELDS)) {
      const segments = splitPath(path);
      const last = segments.pop();
      const parent = resolveSegments(root, segments, `${crd.metadata.name} ${moduleSpecPath}.${path}`);
      const container = last === '[]' ? parent : parent.properties?.[last];
      if (!container) throw new Error(`${crd.metadata.name}: ${moduleSpecPath}.${path} does not exist`);
      const key = last === '[]' ? 'items' : undefined;
      const current = key ? container.items : container;
      // Our description and CEL rules (written in the CRD) stay; everything else comes from the OpenAPI.
      const expanded = {
        ...pickDescription(current),
        ...mergeOverlay(expandDefinition(schemas, definition), OVERLAYS[definition]),
        ...(current?.['x-kubernetes-validations'] && {
          'x-kubernetes-validations': current['x-kubernetes-validations'],
        }),
      };
      if (key) container.items = expanded;
      else parent.properties[last] = expanded;
    }
  }
  return crd;
}

function mergeOverlay(schema, overlay) {
  if (!overlay) return schema;
  const out = { ...schema };
  for (const [key, value] of Object.entries(overlay)) {
    if (key === 'properties') {
      out.properties = { ...schema.properties };
      for (const [name, property] of Object.entries(value)) {
        if (!schema.properties?.[name]) throw new Error(`overlay names ${name}, which the type does not have`);
        out.properties[name] = mergeOverlay(schema.properties[name], property);
      }
    } else {
      out[key] = value;
    }
  }
  return out;
}

const pickDescription = (node) => (node?.description ? { description: node.description } : {});

/** `a.b[].c` -> ['a', 'b', '[]', 'c'] */
function splitPath(path) {
  return path.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]));
}

function resolvePath(schema, path, what) {
  return resolveSegments(schema, splitPath(path), `${what} ${path}`);
}

function resolveSegments(schema, segments, what) {
  let node = schema;
  for (const segment of segments) {
    node = segment === '[]' ? node?.items : node?.properties?.[segment];
    if (!node) throw new Error(`${what}: no schema at "${segment}"`);
  }
  return node;
}

async function formatYaml(text, path) {
  const options = (await resolveConfig(path)) ?? {};
  return format(text, { ...options, parser: 'yaml', filepath: path });
}

export async function readVendoredSchemas(file = OPENAPI_FILE) {
  return JSON.parse(await readFile(file, 'utf8')).schemas;
}

/** CRD file name -> rendered text, for every CRD that embeds a ModuleSpec. */
export async function renderCrds({ crdDir = CRD_DIR, schemas } = {}) {
  const definitions = schemas ?? (await readVendoredSchemas());
  const files = new Map();
  for (const [name, moduleSpecPath] of Object.entries(MODULE_SPEC_ROOTS)) {
    const path = join(crdDir, name);
    const crd = expandCrd(parse(await readFile(path, 'utf8')), moduleSpecPath, definitions);
    files.set(name, await formatYaml(stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }), path));
  }
  return files;
}

/** The CRD files whose committed text differs from what they render to. */
export async function checkCrds({ crdDir = CRD_DIR } = {}) {
  const stale = [];
  for (const [name, text] of await renderCrds({ crdDir })) {
    if ((await readFile(join(crdDir, name), 'utf8')) !== text) stale.push(name);
  }
  return stale;
}

async function vendor(dir) {
  const schemas = {};
  for (const file of OPENAPI_SOURCES) {
    Object.assign(schemas, JSON.parse(await readFile(join(dir, file), 'utf8')).components.schemas);
  }
  const subset = {
    source: `k8s.io/kubernetes@${KUBERNETES_VERSION} api/openapi-spec/v3/{${OPENAPI_SOURCES.join(',')}}`,
    note: 'Generated by libs/api/scripts/generate-kubernetes-schemas.mjs --vendor: the definitions the CRDs embed, without descriptions.',
    schemas: selectDefinitions(schemas, [...new Set(Object.values(MODULE_SPEC_FIELDS))]),
  };
  const options = (await resolveConfig(OPENAPI_FILE)) ?? {};
  await writeFile(OPENAPI_FILE, await format(JSON.stringify(subset), { ...options, parser: 'json' }));
}

async function main(argv) {
  const vendorIndex = argv.indexOf('--vendor');
  if (vendorIndex >= 0) {
    const dir = argv[vendorIndex + 1];
    if (!dir) throw new Error('--vendor needs the api/openapi-spec/v3 folder of k8s.io/kubernetes');
    await vendor(dir);
  }
  if (argv.includes('--check')) {
    const stale = await checkCrds();
    if (stale.length > 0) {
      console.error(`CRDs are stale; run \`npm run generate\`:\n${stale.map((s) => `  ${s}`).join('\n')}`);
      process.exitCode = 1;
    }
    return;
  }
  const rendered = await renderCrds();
  const written = [];
  for (const [name, text] of rendered) {
    const path = join(CRD_DIR, name);
    if ((await readFile(path, 'utf8')) !== text) {
      await writeFile(path, text);
      written.push(name);
    }
  }
  console.log(written.length > 0 ? `Updated ${written.join(', ')}` : 'Kubernetes schemas in the CRDs are current');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
