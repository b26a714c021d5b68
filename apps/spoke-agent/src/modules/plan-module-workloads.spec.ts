import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, LABELS, newModule, type Module, type ModuleLoaderSpec } from '@kmm-hub/api';
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

describe('moduleKeyOfDaemonSet', () => {
  it('maps a DaemonSet to its Module by label', () => {
    expect(moduleKeyOfDaemonSet({ metadata: { namespace: 'apps', labels: { [LABELS.moduleName]: 'gpu' } } })).toBe(
      'apps/gpu',
    );
    expect(moduleKeyOfDaemonSet({ metadata: { namespace: 'apps' } })).toBeUndefined();
  });
});
