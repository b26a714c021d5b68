import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  LABELS,
  NODE_LABELS,
  VERSION_LABELS,
  newModule,
  type Module,
  type ModuleLoaderSpec,
} from '@kmm-hub/api';
import { moduleKeyOfDaemonSet, planModuleWorkloads, type ModuleWorkloadsInput } from './plan-module-workloads.js';

const selector = { 'node-role.kubernetes.io/worker': '' };
const node = (name: string, kernel: string, labels: Record<string, string> = selector): V1Node => ({
  metadata: { name, labels },
  status: { nodeInfo: { kernelVersion: kernel } as never },
});

function gpu(over: Partial<Module['spec']> = {}, namespace = 'apps'): Module {
  const module = newModule({ metadata: { name: 'gpu', namespace, uid: 'module-uid' } });
  module.spec.moduleLoader.container.kernelMappings = [
    { literal: '6.1.0-13-amd64', containerImage: 'reg/gpu:deb' },
    { regexp: 'el9', containerImage: 'reg/${MOD_NAME}:${KERNEL_XYZ}' },
    { regexp: '(', containerImage: 'never' },
  ];
  return { ...module, spec: { ...module.spec, ...over } };
}

const input = (over: Partial<ModuleWorkloadsInput>): ModuleWorkloadsInput => ({
  module: gpu(),
  nodes: [],
  daemonSets: [],
  agentNamespace: 'kmm-spoke-agent',
  defaultServiceAccounts: { moduleLoader: 'kmm-module-loader', devicePlugin: 'kmm-device-plugin' },
  ...over,
});

const withStatus = (ds: V1DaemonSet | undefined, desired: number, available: number): V1DaemonSet => ({
  ...ds,
  status: {
    currentNumberScheduled: desired,
    desiredNumberScheduled: desired,
    numberMisscheduled: 0,
    numberReady: available,
    numberAvailable: available,
  },
});

describe('planModuleWorkloads', () => {
  it('plans one loader per mapped kernel of the selected nodes; an unmapped kernel is skipped, a broken mapping reported', () => {
    const sut = planModuleWorkloads(
      input({
        nodes: [
          node('a', '5.14.0-427.el9.x86_64'),
          node('b', '5.14.0-427.el9.x86_64'),
          node('c', '6.1.0-13-amd64'),
          node('d', '4.18.0-553.el8.x86_64'),
          node('e', '6.1.0-13-amd64', { other: 'x' }),
        ],
      }),
    );
    expect(sut.apply.map((d) => d.metadata?.name)).toEqual(['gpu-5-14-0-427-el9-x86-64', 'gpu-6-1-0-13-amd64']);
    expect(sut.apply[0]?.spec?.template.spec?.containers[0]?.image).toBe('reg/gpu:5.14.0');
    // 4.18 (el8) does not match literal or el9, and then reaches the invalid regexp.
    expect(sut.problems).toEqual([expect.stringContaining('kernel 4.18.0-553.el8.x86_64: kernelMappings[2].regexp')]);
    expect(sut.status).toEqual({
      moduleLoader: { nodesMatchingSelectorNumber: 4, desiredNumber: 0, availableNumber: 0 },
    });
    expect(sut.delete).toEqual([]);
  });

  it('collects the DaemonSets of kernels no selected node runs', () => {
    const first = planModuleWorkloads(
      input({ nodes: [node('a', '6.1.0-13-amd64'), node('b', '5.14.0-1.el9.x86_64')] }),
    );
    const sut = planModuleWorkloads(input({ nodes: [node('a', '6.1.0-13-amd64')], daemonSets: first.apply }));
    expect(sut.delete).toEqual(['gpu-5-14-0-1-el9-x86-64']);
  });

  it('sums loader counts from DaemonSet status and places the device plugin on module-ready, targeted nodes as upstream', () => {
    const module = gpu({ devicePlugin: { container: { image: 'reg/plugin:1' } } });
    const nodes = [node('a', '6.1.0-13-amd64'), node('b', '5.14.0-1.el9.x86_64'), node('c', '5.14.0-1.el9.x86_64')];
    const first = planModuleWorkloads(input({ module, nodes }));
    expect(first.apply.map((d) => d.metadata?.name)).toEqual([
      'gpu-5-14-0-1-el9-x86-64',
      'gpu-6-1-0-13-amd64',
      'gpu-device-plugin',
    ]);
    const [el9, deb, devicePlugin] = first.apply;
    const sut = planModuleWorkloads(
      input({
        module,
        nodes,
        daemonSets: [withStatus(el9, 2, 1), withStatus(deb, 1, 0), withStatus(devicePlugin, 1, 1)],
      }),
    );
    const plugin = sut.apply.find((d) => d.metadata?.name === 'gpu-device-plugin');
    expect(plugin?.spec?.template.spec?.nodeSelector).toEqual({
      'kmm.node.kubernetes.io/apps.gpu.ready': '',
      'kmm.node.kubernetes.io/apps.gpu.device-plugin-target': '',
    });
    expect(plugin?.spec?.template.spec?.affinity).toBeUndefined();
    expect(plugin?.spec?.selector).toEqual({
      matchLabels: { [LABELS.moduleName]: 'gpu' },
      matchExpressions: [{ key: LABELS.kernelVersionFull, operator: 'DoesNotExist' }],
    });
    expect(sut.status).toEqual({
      moduleLoader: { nodesMatchingSelectorNumber: 3, desiredNumber: 3, availableNumber: 1 },
      devicePlugin: { nodesMatchingSelectorNumber: 3, desiredNumber: 1, availableNumber: 1 },
    });
  });

  it('runs a device plugin without module loader on the selected nodes, and deletes it when the spec drops it', () => {
    const module = gpu({ moduleLoader: undefined, devicePlugin: { container: { image: 'reg/plugin:1' } } });
    const sut = planModuleWorkloads(input({ module, nodes: [node('a', '6.1.0-13-amd64')] }));
    expect(sut.apply.map((d) => d.metadata?.name)).toEqual(['gpu-device-plugin']);
    expect(sut.apply[0]?.spec?.template.spec?.nodeSelector).toEqual(selector);
    expect(sut.status).toEqual({
      devicePlugin: { nodesMatchingSelectorNumber: 1, desiredNumber: 0, availableNumber: 0 },
    });
    const dropped = planModuleWorkloads(input({ module: gpu({ moduleLoader: undefined }), daemonSets: sut.apply }));
    expect(dropped).toMatchObject({ apply: [], delete: ['gpu-device-plugin'], status: {} });
  });

  it.each<[string, Partial<Module['spec']>, string, string | undefined, string | undefined]>([
    [
      'their own accounts',
      {
        moduleLoader: { ...(gpu().spec?.moduleLoader as ModuleLoaderSpec), serviceAccountName: 'ml' },
        devicePlugin: { container: { image: 'p' }, serviceAccountName: 'dp' },
      },
      'apps',
      'ml',
      'dp',
    ],
    [
      'the privileged defaults in the agent namespace',
      { devicePlugin: { container: { image: 'p' } } },
      'kmm-spoke-agent',
      'kmm-module-loader',
      'kmm-device-plugin',
    ],
    ['the namespace default elsewhere', { devicePlugin: { container: { image: 'p' } } }, 'apps', undefined, undefined],
  ])('gives pods %s (as KMM on OpenShift does)', (_name, spec, namespace, loaderAccount, pluginAccount) => {
    const module = gpu(spec, namespace);
    const nodes = [node('a', '6.1.0-13-amd64')];
    const loader = planModuleWorkloads(input({ module, nodes })).apply[0];
    const sut = planModuleWorkloads(input({ module, nodes, daemonSets: [withStatus(loader, 1, 1)] }));
    const accounts = sut.apply.map((d) => d.spec?.template.spec?.serviceAccountName);
    expect(accounts).toEqual([loaderAccount, pluginAccount]);
  });

  it('sets pull secret, tolerations, owner and a spec hash that changes with the spec', () => {
    const tolerations = [{ key: 'gpu', operator: 'Exists' as const }];
    const module = gpu({ imageRepoSecret: { name: 'pull' }, tolerations });
    const nodes = [node('a', '6.1.0-13-amd64')];
    const [ds] = planModuleWorkloads(input({ module, nodes })).apply;
    expect(ds?.spec?.template.spec?.imagePullSecrets).toEqual([{ name: 'pull' }]);
    expect(ds?.spec?.template.spec?.tolerations).toEqual(tolerations);
    expect(ds?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'kmm.sigs.x-k8s.io/v1beta1', kind: 'Module', name: 'gpu', uid: 'module-uid', controller: true },
    ]);
    const hash = ds?.metadata?.annotations?.[ANNOTATIONS.specHash];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(planModuleWorkloads(input({ module, nodes })).apply[0]?.metadata?.annotations?.[ANNOTATIONS.specHash]).toBe(
      hash,
    );
    const other = planModuleWorkloads(
      input({ module: gpu({ imageRepoSecret: { name: 'other' }, tolerations }), nodes }),
    );
    expect(other.apply[0]?.metadata?.annotations?.[ANNOTATIONS.specHash]).not.toBe(hash);
  });
});

describe('planModuleWorkloads with a version (ordered upgrade)', () => {
  const EL9 = '5.14.0-427.13.1.el9_4.x86_64';
  const DEB = '6.1.0-13-amd64';
  const versioned = (version: string) => {
    const loader = gpu().spec?.moduleLoader as ModuleLoaderSpec;
    return gpu({
      moduleLoader: { ...loader, container: { ...loader.container, version } },
      devicePlugin: { container: { image: 'reg/plugin:1' } },
    });
  };
  const nodes = [node('a', EL9), node('b', DEB)];
  /** The DaemonSets as the DaemonSet controller reports them: generation observed or not, pods scheduled. */
  const live = (ds: V1DaemonSet | undefined, desired: number, observed = true): V1DaemonSet => ({
    ...withStatus(ds, desired, desired),
    metadata: { ...ds?.metadata, generation: 2 },
    status: { ...withStatus(ds, desired, desired).status!, observedGeneration: observed ? 2 : 1 },
  });

  it('names the DaemonSets per (kernel, version) and selects the version labels as upstream KMM v1.1 does', () => {
    const sut = planModuleWorkloads(input({ module: versioned('v1'), nodes }));
    // The hashes are Go's (go-hashstructure.spec.ts): hashData{KernelVersion, ModuleVersion}, the plugin's kernel "".
    expect(sut.apply.map((d) => d.metadata?.name)).toEqual([
      'gpu-93c6f321027e07b7',
      'gpu-62db06dbb5223e42',
      'gpu-device-plugin-3c6d4e29c959ed44',
    ]);
    const [el9, , plugin] = sut.apply;
    const loaderLabels = {
      [LABELS.moduleName]: 'gpu',
      [LABELS.kernelVersionFull]: EL9,
      'kmm.node.kubernetes.io/role': 'module-loader',
      'beta.kmm.node.kubernetes.io/version-module-loader.apps.gpu': 'v1',
    };
    expect(el9?.metadata?.labels).toEqual(loaderLabels);
    expect(el9?.spec?.selector).toEqual({ matchLabels: loaderLabels });
    expect(el9?.spec?.template.metadata?.labels).toEqual(loaderLabels);
    expect(el9?.spec?.template.spec?.nodeSelector).toEqual({
      ...selector,
      [LABELS.kernelVersionFull]: EL9,
      'beta.kmm.node.kubernetes.io/version-module-loader.apps.gpu': 'v1',
    });
    const pluginLabels = {
      [LABELS.moduleName]: 'gpu',
      'kmm.node.kubernetes.io/role': 'device-plugin',
      'beta.kmm.node.kubernetes.io/version-device-plugin.apps.gpu': 'v1',
    };
    expect(plugin?.metadata?.labels).toEqual(pluginLabels);
    expect(plugin?.spec?.selector?.matchLabels).toEqual(pluginLabels);
    expect(plugin?.spec?.template.spec?.nodeSelector).toEqual({
      [NODE_LABELS.moduleReady('apps', 'gpu')]: '',
      [NODE_LABELS.devicePluginTarget('apps', 'gpu')]: '',
      [VERSION_LABELS.devicePlugin('apps', 'gpu')]: 'v1',
    });
  });

  it.each<[string, { desired: number; observed?: boolean; nodes?: V1Node[] }, string[]]>([
    ['keeps the old version while it still runs on nodes (nothing is unloaded)', { desired: 1 }, []],
    [
      'collects the old version once it runs on no node',
      { desired: 0 },
      ['gpu-62db06dbb5223e42', 'gpu-93c6f321027e07b7', 'gpu-device-plugin-3c6d4e29c959ed44'],
    ],
    [
      'keeps it while the DaemonSet controller has not counted its current generation',
      { desired: 0, observed: false },
      [],
    ],
    [
      'collects an old loader for a kernel no selected node runs any more, still scheduled or not',
      { desired: 1, nodes: [node('a', EL9)] },
      ['gpu-62db06dbb5223e42'],
    ],
  ])('%s', (_what, { desired, observed, nodes: after }, deleted) => {
    const old = planModuleWorkloads(input({ module: versioned('v1'), nodes })).apply;
    const sut = planModuleWorkloads(
      input({
        module: versioned('v2'),
        nodes: after ?? nodes,
        daemonSets: old.map((ds) => live(ds, desired, observed)),
      }),
    );
    expect(sut.apply.map((d) => d.metadata?.name)).toEqual(
      (after ?? nodes).length === 2
        ? ['gpu-7c7b04c5d656223', 'gpu-55be1d16cb531066', 'gpu-device-plugin-8d4d21c997c369dc']
        : ['gpu-7c7b04c5d656223', 'gpu-device-plugin-8d4d21c997c369dc'],
    );
    expect(sut.delete).toEqual(deleted);
    expect(sut.problems).toEqual([]);
  });

  it('counts only the current version in status', () => {
    const old = planModuleWorkloads(input({ module: versioned('v1'), nodes })).apply;
    const next = planModuleWorkloads(input({ module: versioned('v2'), nodes })).apply;
    const sut = planModuleWorkloads(
      input({
        module: versioned('v2'),
        nodes,
        daemonSets: [...old.map((ds) => live(ds, 1)), live(next[0], 1), live(next[1], 0), live(next[2], 1)],
      }),
    );
    expect(sut.status).toEqual({
      moduleLoader: { nodesMatchingSelectorNumber: 2, desiredNumber: 1, availableNumber: 1 },
      devicePlugin: { nodesMatchingSelectorNumber: 2, desiredNumber: 1, availableNumber: 1 },
    });
  });

  it.each([
    ['a space', 'v 2', 'a valid label must be'],
    ['64 characters', 'v'.repeat(64), 'must be no more than 63 bytes'],
    ['a leading dot', '.v2', 'a valid label must be'],
  ])('changes nothing for a version with %s and says why', (_what, version, reason) => {
    const old = planModuleWorkloads(input({ module: versioned('v1'), nodes })).apply;
    const module = { ...versioned(version), status: { moduleLoader: { nodesMatchingSelectorNumber: 2 } } };
    const sut = planModuleWorkloads(input({ module, nodes, daemonSets: old.map((ds) => live(ds, 0)) }));
    expect(sut.apply).toEqual([]);
    expect(sut.delete).toEqual([]);
    expect(sut.status).toEqual({ moduleLoader: { nodesMatchingSelectorNumber: 2 } });
    expect(sut.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^spec\\.moduleLoader\\.container\\.version: "${version.replace('.', '\\.')}" cannot be a node label value \\(.*${reason}`,
        ),
      ),
    ]);
  });
});

describe('moduleKeyOfDaemonSet', () => {
  it('maps a DaemonSet to its Module by label', () => {
    expect(moduleKeyOfDaemonSet({ metadata: { namespace: 'apps', labels: { [LABELS.moduleName]: 'gpu' } } })).toBe(
      'apps/gpu',
    );
    expect(moduleKeyOfDaemonSet({ metadata: { namespace: 'apps' } })).toBeUndefined();
  });
});
