// Every CEL rule of the ManagedClusterModule CRD, and the schema checks that refuse typos, on a real kube-apiserver:
// one row per rule with an object breaking it and the API server's full message, which names the field, the rule and
// the offending value. The Module CRD carries the same moduleSpec rules (crds.spec.ts keeps the copies equal).
import { KubeApiError, ServerSideApplier } from '@kmm-hub/kube';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { describe, expect, inject, it } from 'vitest';
import { loadCustomResourceDefinitions } from './crds.testing.js';
import type { OpenApiV3Schema } from './custom-resource-definition.js';
import { newManagedClusterModule } from './object-factories.js';
import type { ManagedClusterModule } from './types.js';

// Rows break the typed object on purpose.
// oxlint-disable-next-line typescript/no-explicit-any
type Loose = Record<string, any>;

const env = inject('env');
const applier = new ServerSideApplier(clusterKubeConfig(env.hub), 'crd-validation-proof');
const COLLECTION = '/apis/hub.kmm.sigs.x-k8s.io/v1beta1/managedclustermodules';
const MS = 'spec.moduleSpec';
const CONTAINER = `${MS}.moduleLoader.container`;

function mcmWith(change: (spec: Loose, mcm: Loose) => void): ManagedClusterModule {
  const mcm = newManagedClusterModule({ metadata: { name: `cel-${Math.random().toString(36).slice(2, 10)}` } });
  change(mcm.spec.moduleSpec as Loose, mcm as Loose);
  return mcm;
}

async function createError(mcm: ManagedClusterModule, dryRun = true): Promise<KubeApiError> {
  const err = await applier.http
    .json('POST', COLLECTION, { query: { fieldValidation: 'Strict', ...(dryRun && { dryRun: 'All' }) }, body: mcm })
    .catch((e: unknown) => e);
  if (!(err instanceof KubeApiError)) throw new Error(`expected the API server to refuse ${mcm.metadata.name}`);
  return err;
}

/** `<node path in the MCM schema>#<rule index>` of every CEL rule, e.g. `spec.moduleSpec.tolerations[]#0`. */
function listCelRules(node: OpenApiV3Schema, at: string): string[] {
  const own = (node['x-kubernetes-validations'] ?? []).map((_, index) => `${at}#${index}`);
  const children = [
    ...Object.entries(node.properties ?? {}).flatMap(([name, child]) =>
      listCelRules(child, at ? `${at}.${name}` : name),
    ),
    ...(node.items ? listCelRules(node.items, `${at}[]`) : []),
  ];
  return [...own, ...children];
}

const CREATE_ROWS: [rule: string, what: string, change: Parameters<typeof mcmWith>[0], message: string][] = [
  [
    'spec.upcomingKernels#0',
    'an upcoming kernel listed twice',
    (_, m) => (m['spec'].upcomingKernels = ['6.8.0-49-generic', '6.1.0-28-amd64', '6.8.0-49-generic']),
    'spec.upcomingKernels: Invalid value: must not list a kernel twice, found "6.8.0-49-generic" more than once',
  ],
  [
    `${MS}#0`,
    'dra and devicePlugin together',
    (s) =>
      Object.assign(s, {
        devicePlugin: { container: { image: 'a:1' } },
        dra: { driverName: 'gpu.example.com', container: { image: 'b:1' } },
      }),
    `${MS}: Invalid value: spec.dra and spec.devicePlugin are mutually exclusive`,
  ],
  [
    `${MS}.moduleLoader.container#0`,
    'both in-tree fields on the container',
    (s) => Object.assign(s.moduleLoader.container, { inTreeModuleToRemove: 'a', inTreeModulesToRemove: [] }),
    `${CONTAINER}.inTreeModuleToRemove: Invalid value: "a" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove`,
  ],
  [
    `${MS}.moduleLoader.container#2`,
    'no image anywhere',
    (s) => (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: '' }]),
    `${CONTAINER}.kernelMappings: Invalid value: every kernel mapping needs a containerImage when the container has none (containerImage is empty)`,
  ],
  [
    `${MS}.moduleLoader.container#3`,
    'the deprecated in-tree field on the container, the new one on a mapping',
    (s) =>
      Object.assign(s.moduleLoader.container, {
        inTreeModuleToRemove: 'old',
        kernelMappings: [{ literal: '6.8.0', containerImage: 'i:1', inTreeModulesToRemove: ['b'] }],
      }),
    `${CONTAINER}.kernelMappings: Invalid value: the container sets the deprecated inTreeModuleToRemove "old" and a kernel mapping sets inTreeModulesToRemove; use inTreeModulesToRemove in both`,
  ],
  [
    `${MS}.moduleLoader.container#3`,
    'the new in-tree field on the container, the deprecated one on a mapping',
    (s) =>
      Object.assign(s.moduleLoader.container, {
        inTreeModulesToRemove: ['a'],
        kernelMappings: [{ literal: '6.8.0', containerImage: 'i:1', inTreeModuleToRemove: 'old' }],
      }),
    `${CONTAINER}.kernelMappings: Invalid value: the container sets inTreeModulesToRemove and a kernel mapping sets the deprecated inTreeModuleToRemove "old"; use inTreeModulesToRemove in both`,
  ],
  [
    `${MS}.moduleLoader.container.kernelMappings[]#0`,
    'regexp and literal together',
    (s) => (s.moduleLoader.container.kernelMappings = [{ regexp: '^6', literal: '6.8.0', containerImage: 'i:1' }]),
    `${CONTAINER}.kernelMappings[0]: Invalid value: regexp "^6" and literal "6.8.0" are mutually exclusive`,
  ],
  [
    `${MS}.moduleLoader.container.kernelMappings[]#1`,
    'neither regexp nor literal',
    (s) => (s.moduleLoader.container.kernelMappings = [{ containerImage: 'i:1' }]),
    `${CONTAINER}.kernelMappings[0]: Invalid value: one of regexp and literal is required`,
  ],
  [
    `${MS}.moduleLoader.container.kernelMappings[]#2`,
    'both in-tree fields on a mapping',
    (s) =>
      (s.moduleLoader.container.kernelMappings = [
        { literal: '6.8.0', containerImage: 'i:1', inTreeModuleToRemove: 'a', inTreeModulesToRemove: ['b'] },
      ]),
    `${CONTAINER}.kernelMappings[0].inTreeModuleToRemove: Invalid value: "a" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove`,
  ],
  [
    `${MS}.moduleLoader.container.kernelMappings[].sign#0`,
    'a mapping sign section without files',
    (s) => delete s.moduleLoader.container.kernelMappings[0]!.sign!.filesToSign,
    `${CONTAINER}.kernelMappings[0].sign.filesToSign: Invalid value: required when sign is set`,
  ],
  [
    `${MS}.moduleLoader.container.sign#0`,
    'a container sign section without files',
    (s) => (s.moduleLoader.container.sign = { keySecret: { name: 'k' }, certSecret: { name: 'c' } }),
    `${CONTAINER}.sign.filesToSign: Invalid value: required when sign is set`,
  ],
  [
    `${MS}.moduleLoader.container.modprobe#0`,
    'rawArgs with moduleName',
    (s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', rawArgs: { load: ['a'] } }),
    `${CONTAINER}.modprobe.rawArgs: Invalid value: must not be set when moduleName is set ("a")`,
  ],
  [
    `${MS}.moduleLoader.container.modprobe#1`,
    'neither moduleName nor both rawArgs',
    (s) => (s.moduleLoader.container.modprobe = { rawArgs: { load: ['a'] } }),
    `${CONTAINER}.modprobe.moduleName: Invalid value: required unless both rawArgs.load and rawArgs.unload are set`,
  ],
  [
    `${MS}.moduleLoader.container.modprobe#2`,
    'a loading order of one module',
    (s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['a'] }),
    `${CONTAINER}.modprobe.modulesLoadingOrder: Invalid value: must list at least two modules, found only "a"`,
  ],
  [
    `${MS}.moduleLoader.container.modprobe#3`,
    'a loading order without moduleName',
    (s) =>
      (s.moduleLoader.container.modprobe = {
        rawArgs: { load: ['a'], unload: ['a'] },
        modulesLoadingOrder: ['a', 'b'],
      }),
    `${CONTAINER}.modprobe.modulesLoadingOrder: Invalid value: requires moduleName, which is empty`,
  ],
  [
    `${MS}.moduleLoader.container.modprobe#4`,
    'a loading order not starting with moduleName',
    (s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['b', 'a'] }),
    `${CONTAINER}.modprobe.modulesLoadingOrder: Invalid value: must start with moduleName "a", found "b"`,
  ],
  [
    `${MS}.dra#0`,
    'an empty DRA driver name',
    (s) => (s.dra = { driverName: '', container: { image: 'b:1' } }),
    `${MS}.dra.driverName: Invalid value: must not be empty`,
  ],
  [
    `${MS}.dra#1`,
    'a DRA driver name with capitals',
    (s) => (s.dra = { driverName: 'GPU.example.com', container: { image: 'b:1' } }),
    `${MS}.dra.driverName: Invalid value: "GPU.example.com" is not a DNS subdomain: it must be at most 253 lower case alphanumerics, dashes or dots, starting and ending with an alphanumeric`,
  ],
  [
    `${MS}.tolerations[]#0`,
    'an empty toleration key with Equal',
    (s) => (s.tolerations = [{ operator: 'Equal' }]),
    `${MS}.tolerations[0].operator: Invalid value: must be "Exists" when key is empty, found "Equal"`,
  ],
  [
    `${MS}.tolerations[]#1`,
    'tolerationSeconds without NoExecute',
    (s) => (s.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]),
    `${MS}.tolerations[0].effect: Invalid value: must be "NoExecute" when tolerationSeconds is set, found "NoSchedule"`,
  ],
  [
    `${MS}.tolerations[]#2`,
    'Exists with a value',
    (s) => (s.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
    `${MS}.tolerations[0].value: Invalid value: must be empty when operator is "Exists", found "v"`,
  ],
  [
    'spec.rollout#0',
    'progressive settings with type All',
    (_, m) => (m.spec.rollout = { type: 'All', progressive: { maxConcurrency: 2 } }),
    'spec.rollout.progressive: Invalid value: may only be set when type is Progressive, found All',
  ],
  [
    'spec.rollout#1',
    'per-group settings with type Progressive',
    (_, m) => (m.spec.rollout = { type: 'Progressive', progressivePerGroup: {} }),
    'spec.rollout.progressivePerGroup: Invalid value: may only be set when type is ProgressivePerGroup, found Progressive',
  ],
  [
    'spec.rollout#2',
    'ProgressivePerGroup without groupLabel',
    (_, m) => (m.spec.rollout = { type: 'ProgressivePerGroup' }),
    'spec.rollout.groupLabel: Invalid value: required when type is ProgressivePerGroup',
  ],
  [
    'spec.rollout.progressive.maxConcurrency#0',
    'maxConcurrency above 100%',
    (_, m) => (m.spec.rollout = { type: 'Progressive', progressive: { maxConcurrency: '150%' } }),
    'spec.rollout.progressive.maxConcurrency: Invalid value: "150%": must be a number of clusters (1 or more) or a percentage from 1% to 100%, found 150%',
  ],
  [
    'spec.rollout.progressive.maxFailures#0',
    'a negative maxFailures',
    (_, m) => (m.spec.rollout = { type: 'Progressive', progressive: { maxFailures: -1 } }),
    'spec.rollout.progressive.maxFailures: Invalid value: -1: must be a number of clusters (0 or more) or a percentage from 0% to 100%, found -1',
  ],
  [
    'spec.rollout.progressivePerGroup.maxFailures#0',
    'maxFailures as a word',
    (_, m) =>
      (m.spec.rollout = { type: 'ProgressivePerGroup', groupLabel: 'ring', progressivePerGroup: { maxFailures: 'x' } }),
    'spec.rollout.progressivePerGroup.maxFailures: Invalid value: "x": must be a number of clusters (0 or more) or a percentage from 0% to 100%, found x',
  ],
];

describe('ManagedClusterModule CRD on a real kube-apiserver', () => {
  it('has a row below for every CEL rule it carries', async () => {
    const crd = (await loadCustomResourceDefinitions()).find((c) => c.spec.names.kind === 'ManagedClusterModule');
    const rules = listCelRules(crd!.spec.versions[0]!.schema.openAPIV3Schema, '');

    const covered = new Set([...CREATE_ROWS.map(([rule]) => rule), `${MS}.moduleLoader.container#1`]);
    expect(rules.toSorted()).toEqual([...covered].toSorted());
  });

  it.each(CREATE_ROWS)('CEL rule %s refuses %s, naming field, rule and value', async (_, __, change, message) => {
    const err = await createError(mcmWith(change));

    expect(err.status).toBe(422);
    expect(err.message).toContain(message);
  });

  it('refuses changing moduleLoader.container.version from empty to set with the CEL transition rule', async () => {
    const mcm = mcmWith(() => undefined);
    await applier.http.json('POST', COLLECTION, { body: mcm });
    const stored = await applier.http.json<Loose>('GET', `${COLLECTION}/${mcm.metadata.name}`);
    stored.spec.moduleSpec.moduleLoader.container.version = '1.0.0';

    const err = await applier.http
      .json('PUT', `${COLLECTION}/${mcm.metadata.name}`, { body: stored })
      .catch((e: unknown) => e as KubeApiError);

    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(422);
    expect((err as KubeApiError).message).toContain(
      `${CONTAINER}.version: Invalid value: cannot change from "" to "1.0.0": version cannot change from empty to set or from set to empty; delete the object and create it again`,
    );
    await applier.http.json('DELETE', `${COLLECTION}/${mcm.metadata.name}`);
  });

  it('allows changing the version between two set values', async () => {
    const mcm = mcmWith((s) => (s.moduleLoader.container.version = '1.0.0'));
    await applier.http.json('POST', COLLECTION, { body: mcm });
    const stored = await applier.http.json<Loose>('GET', `${COLLECTION}/${mcm.metadata.name}`);
    stored.spec.moduleSpec.moduleLoader.container.version = '1.1.0';

    const updated = await applier.http.json<Loose>('PUT', `${COLLECTION}/${mcm.metadata.name}`, { body: stored });

    expect(updated.spec.moduleSpec.moduleLoader.container.version).toBe('1.1.0');
    await applier.http.json('DELETE', `${COLLECTION}/${mcm.metadata.name}`);
  });

  it.each<[string, Parameters<typeof mcmWith>[0], number, string]>([
    [
      'a typo in an env var of the device plugin',
      (s) => (s.devicePlugin = { container: { image: 'a:1', env: [{ name: 'A', vaule: 'x' }] } }),
      400,
      'unknown field "spec.moduleSpec.devicePlugin.container.env[0].vaule"',
    ],
    [
      'a typo in a volume source',
      (s) => (s.devicePlugin = { container: { image: 'a:1' }, volumes: [{ name: 'v', cofigMap: { name: 'c' } }] }),
      400,
      'unknown field "spec.moduleSpec.devicePlugin.volumes[0].cofigMap"',
    ],
    [
      'a typo inside a volume source',
      (s) =>
        (s.dra = {
          driverName: 'gpu.example.com',
          container: { image: 'a:1' },
          volumes: [{ name: 'v', hostPath: { pth: '/dev' } }],
        }),
      400,
      'unknown field "spec.moduleSpec.dra.volumes[0].hostPath.pth"',
    ],
    [
      'a typo in a volume mount',
      (s) =>
        (s.devicePlugin = {
          container: { image: 'a:1', volumeMounts: [{ name: 'v', mountPath: '/x', readonly: true }] },
        }),
      400,
      'unknown field "spec.moduleSpec.devicePlugin.container.volumeMounts[0].readonly"',
    ],
    [
      'a quantity that is no quantity',
      (s) => (s.devicePlugin = { container: { image: 'a:1', resources: { limits: { memory: '1 GB' } } } }),
      422,
      `${MS}.devicePlugin.container.resources.limits.memory: Invalid value: "1 GB": ${MS}.devicePlugin.container.resources.limits.memory in body should match`,
    ],
    [
      'a toleration operator upstream does not know',
      (s) => (s.tolerations = [{ key: 'k', operator: 'Gt', value: '1' }]),
      422,
      `${MS}.tolerations[0].operator: Unsupported value: "Gt": supported values: "", "Equal", "Exists"`,
    ],
    [
      'a toleration effect that does not exist',
      (s) => (s.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSelect' }]),
      422,
      `${MS}.tolerations[0].effect: Unsupported value: "NoSelect": supported values: "", "NoSchedule", "PreferNoSchedule", "NoExecute"`,
    ],
    [
      'an empty kernelMappings list (upstream minItems 1)',
      (s) => (s.moduleLoader.container.kernelMappings = []),
      422,
      `${CONTAINER}.kernelMappings: Invalid value: 0: ${CONTAINER}.kernelMappings in body should have at least 1 items`,
    ],
  ])('refuses %s', async (_, change, status, message) => {
    const err = await createError(mcmWith(change));

    expect(err.status).toBe(status);
    expect(err.message).toContain(message);
  });

  it('accepts every Kubernetes field a core/v1 Volume, EnvVar, VolumeMount and ResourceRequirements may hold', async () => {
    const mcm = mcmWith((s) => {
      s.devicePlugin = {
        container: {
          image: 'a:1',
          env: [
            { name: 'A', value: 'x' },
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
            { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: 1 } } },
          ],
          resources: { limits: { memory: '1Gi', cpu: 2 }, requests: { cpu: '500m' } },
          volumeMounts: [{ name: 'v', mountPath: '/x', readOnly: true, mountPropagation: 'HostToContainer' }],
        },
        volumes: [
          { name: 'v', hostPath: { path: '/dev', type: 'Directory' } },
          { name: 'c', configMap: { name: 'c', items: [{ key: 'k', path: 'p', mode: 420 }] } },
          { name: 'e', emptyDir: { sizeLimit: '1Gi' } },
        ],
      };
    });

    const created = await applier.http.json<Loose>('POST', COLLECTION, {
      query: { fieldValidation: 'Strict', dryRun: 'All' },
      body: mcm,
    });

    expect(created.spec.moduleSpec.devicePlugin).toEqual(mcm.spec?.moduleSpec?.devicePlugin);
  });
});
