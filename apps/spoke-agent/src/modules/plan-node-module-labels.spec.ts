import { describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { LABELS, NODE_LABELS, VERSION_LABELS, newModule, type Module } from '@kmm-hub/api';
import {
  isNodeModuleLabel,
  isPodReady,
  planModuleVersionLabels,
  planNodeModuleLabels,
} from './plan-node-module-labels.js';

const owner = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u', controller: true }];

function pod(opts: {
  namespace?: string;
  module?: string;
  node?: string;
  loader?: boolean;
  ready?: boolean;
  deleting?: boolean;
  ownerReferences?: V1Pod['metadata'] extends infer M ? (M extends { ownerReferences?: infer O } ? O : never) : never;
}): V1Pod {
  const labels: Record<string, string> = { [LABELS.moduleName]: opts.module ?? 'gpu' };
  if (opts.loader ?? true) labels[LABELS.kernelVersionFull] = '6.1.0-13-amd64';
  return {
    metadata: {
      name: 'p',
      namespace: opts.namespace ?? 'drivers',
      labels,
      ownerReferences: opts.ownerReferences ?? owner,
      ...(opts.deleting && { deletionTimestamp: new Date(0) }),
    },
    spec: { nodeName: opts.node ?? 'n1', containers: [] },
    status: { conditions: [{ type: 'Ready', status: (opts.ready ?? true) ? 'True' : 'False' }] },
  };
}

const node = (labels: Record<string, string> = {}): V1Node => ({ metadata: { name: 'n1', labels } });

describe('NODE_LABELS', () => {
  it('names the labels exactly as upstream KMM internal/utils/kmmlabels.go does', () => {
    expect(NODE_LABELS.moduleReady('drivers', 'gpu')).toBe('kmm.node.kubernetes.io/drivers.gpu.ready');
    expect(NODE_LABELS.devicePluginReady('drivers', 'gpu')).toBe(
      'kmm.node.kubernetes.io/drivers.gpu.device-plugin-ready',
    );
    expect(NODE_LABELS.devicePluginTarget('drivers', 'gpu')).toBe(
      'kmm.node.kubernetes.io/drivers.gpu.device-plugin-target',
    );
  });
});

describe('isNodeModuleLabel', () => {
  it.each([
    ['kmm.node.kubernetes.io/drivers.gpu.ready', true],
    ['kmm.node.kubernetes.io/drivers.gpu.v2.ready', true],
    ['kmm.node.kubernetes.io/drivers.gpu.device-plugin-ready', true],
    ['kmm.node.kubernetes.io/drivers.gpu.version.ready', true],
    // Upstream's other labels are not ours to remove: the admin's version, the deprecated form, the kernel.
    ['kmm.node.kubernetes.io/version-module.drivers.gpu', false],
    ['kmm.node.kubernetes.io/version-module.drivers.ready', false],
    ['kmm.node.kubernetes.io/gpu.ready', false],
    ['kmm.node.kubernetes.io/kernel-version.full', false],
    ['kmm.node.kubernetes.io/drivers.gpu.device-plugin-target', true],
    ['example.com/drivers.gpu.ready', false],
  ])('%s → %s', (label, expected) => {
    expect(isNodeModuleLabel(label)).toBe(expected);
  });
});

describe('isPodReady', () => {
  it.each([
    ['Ready', pod({}), true],
    ['not Ready', pod({ ready: false }), false],
    ['Ready but being deleted', pod({ deleting: true }), false],
    ['without conditions', { ...pod({}), status: {} }, false],
  ])('%s → %s', (_name, p, expected) => {
    expect(isPodReady(p)).toBe(expected);
  });
});

describe('planNodeModuleLabels', () => {
  const ready = NODE_LABELS.moduleReady('drivers', 'gpu');
  const plugin = NODE_LABELS.devicePluginReady('drivers', 'gpu');

  it.each<[string, V1Node, V1Pod[], Record<string, string | null> | undefined]>([
    ['a Ready loader pod labels its node ready', node(), [pod({})], { [ready]: '' }],
    [
      'a Ready device-plugin pod labels its node device-plugin-ready',
      node(),
      [pod({ loader: false })],
      { [plugin]: '' },
    ],
    [
      'both, already there: no patch',
      node({ [ready]: '', [plugin]: '' }),
      [pod({}), pod({ loader: false })],
      undefined,
    ],
    [
      'a loader pod that is not Ready removes the label',
      node({ [ready]: '' }),
      [pod({ ready: false })],
      { [ready]: null },
    ],
    [
      'a deleted loader pod removes the label at once',
      node({ [ready]: '' }),
      [pod({ deleting: true })],
      { [ready]: null },
    ],
    ['no pod left removes both', node({ [ready]: '', [plugin]: '' }), [], { [ready]: null, [plugin]: null }],
    ['a pod on another node does not count', node(), [pod({ node: 'n2' })], undefined],
    ['a pod no DaemonSet controls does not count', node(), [pod({ ownerReferences: [] })], undefined],
    ['a wrong value is set back to empty', node({ [ready]: 'yes' }), [pod({})], { [ready]: '' }],
    [
      'other labels stay, the admin`s version label included',
      node({ a: 'b', 'kmm.node.kubernetes.io/version-module.drivers.gpu': '1' }),
      [],
      { 'beta.kmm.node.kubernetes.io/version-module-loader.drivers.gpu': '1' },
    ],
    [
      'a version.ready label without a Ready loader goes (KMM 2.x removes it on unload)',
      node({ a: 'b', 'kmm.node.kubernetes.io/drivers.gpu.version.ready': '1' }),
      [],
      { 'kmm.node.kubernetes.io/drivers.gpu.version.ready': null },
    ],
    [
      'one label per Module and namespace',
      node(),
      [pod({ namespace: 'a' }), pod({ namespace: 'b', module: 'nic' })],
      { 'kmm.node.kubernetes.io/a.gpu.ready': '', 'kmm.node.kubernetes.io/b.nic.ready': '' },
    ],
  ])('%s', (_name, n, pods, expected) => {
    expect(planNodeModuleLabels(n, pods, [])).toEqual(expected);
  });

  const target = NODE_LABELS.devicePluginTarget('drivers', 'gpu');
  const module = (spec: Partial<Module['spec']>, deleting = false): Module => {
    const m = newModule({ metadata: { name: 'gpu', namespace: 'drivers' } });
    if (deleting) m.metadata.deletionTimestamp = new Date(0);
    return { ...m, spec: { ...m.spec, selector: { gpu: 'yes' }, ...spec } };
  };
  const withPlugin = { devicePlugin: { container: { image: 'reg/plugin:1' } } };
  const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };

  it.each<[string, V1Node, Module, Record<string, string | null> | undefined]>([
    [
      'a selected node of a Module with a device plugin is its target',
      node({ gpu: 'yes' }),
      module(withPlugin),
      { [target]: '' },
    ],
    ['no device plugin, no target', node({ gpu: 'yes' }), module({}), undefined],
    ['a node the Module does not select is no target', node({ gpu: 'no' }), module(withPlugin), undefined],
    [
      'a node tainted against the Module loses the target (upstream: draining nodes)',
      { ...node({ gpu: 'yes', [target]: '' }), spec: { taints: [taint] } },
      module(withPlugin),
      { [target]: null },
    ],
    [
      'a tolerated taint keeps it',
      { ...node({ gpu: 'yes', [target]: '' }), spec: { taints: [taint] } },
      module({ ...withPlugin, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }),
      undefined,
    ],
    [
      'a Module being deleted is no longer targeted',
      node({ gpu: 'yes', [target]: '' }),
      module(withPlugin, true),
      { [target]: null },
    ],
  ])('%s', (_name, n, m, expected) => {
    expect(planNodeModuleLabels(n, [], [m])).toEqual(expected);
  });
});

describe('VERSION_LABELS', () => {
  it('names the ordered-upgrade labels exactly as upstream KMM v1.1 internal/utils/moduleversionlabels.go does', () => {
    expect(VERSION_LABELS.module('drivers', 'gpu')).toBe('kmm.node.kubernetes.io/version-module.drivers.gpu');
    expect(VERSION_LABELS.moduleLoader('drivers', 'gpu')).toBe(
      'beta.kmm.node.kubernetes.io/version-module-loader.drivers.gpu',
    );
    expect(VERSION_LABELS.devicePlugin('drivers', 'gpu')).toBe(
      'beta.kmm.node.kubernetes.io/version-device-plugin.drivers.gpu',
    );
  });
});

describe('planModuleVersionLabels', () => {
  const M = VERSION_LABELS.module('drivers', 'gpu');
  const L = VERSION_LABELS.moduleLoader('drivers', 'gpu');
  const D = VERSION_LABELS.devicePlugin('drivers', 'gpu');
  const labelsOf = (admin?: string, loader?: string, plugin?: string) => ({
    ...(admin !== undefined && { [M]: admin }),
    ...(loader !== undefined && { [L]: loader }),
    ...(plugin !== undefined && { [D]: plugin }),
  });
  const loaderPod = pod({});
  const terminatingLoader = pod({ deleting: true, ready: false });
  const pluginPod = pod({ loader: false });
  const otherModulesPlugin = pod({ loader: false, module: 'nic' });
  const otherNodesPlugin = pod({ loader: false, node: 'n2' });

  // Upstream v1.1 controllers/module_version_label_action_table.go, row by row, with the gates.
  it.each<[string, [string?, string?, string?], V1Pod[], Record<string, string | null>]>([
    ['nothing to do without any version label', [], [], {}],
    ['a first version: the module-loader label follows the admin', ['v1'], [], { [L]: 'v1' }],
    ['then the device-plugin label', ['v1', 'v1'], [loaderPod], { [D]: 'v1' }],
    ['nothing once all three agree', ['v1', 'v1', 'v1'], [loaderPod, pluginPod], {}],
    ['a moved node: the device plugin leaves first', ['v2', 'v1', 'v1'], [loaderPod, pluginPod], { [D]: null }],
    ['then the module loader, once no device-plugin pod is on the node', ['v2', 'v1'], [loaderPod], { [L]: null }],
    ['but not while a device-plugin pod of the Module is still on the node', ['v2', 'v1'], [loaderPod, pluginPod], {}],
    ['another Module`s device plugin does not hold it', ['v2', 'v1'], [otherModulesPlugin], { [L]: null }],
    ['a device plugin on another node does not hold it', ['v2', 'v1'], [otherNodesPlugin], { [L]: null }],
    ['then the new module loader, once no module-loader pod is on the node', ['v2'], [], { [L]: 'v2' }],
    ['not while the old loader pod is still terminating (its preStop unloads)', ['v2'], [terminatingLoader], {}],
    ['an unlabelled node: the device plugin leaves', [undefined, 'v1', 'v1'], [pluginPod], { [D]: null }],
    ['then the module loader (unloaded)', [undefined, 'v1'], [], { [L]: null }],
    ['held while the device-plugin pod terminates', [undefined, 'v1'], [pluginPod], {}],
    // Not in upstream's table: no action.
    ['a device-plugin label alone', [undefined, undefined, 'v1'], [], {}],
    ['a device-plugin label of another version', ['v2', 'v2', 'v1'], [], {}],
  ])('%s', (_what, [admin, loader, plugin], pods, expected) => {
    const sut = planModuleVersionLabels(node(labelsOf(admin, loader, plugin)), pods);
    expect(sut).toEqual(expected);
  });

  it('handles each Module of the node on its own, module names with dots included', () => {
    const sut = planModuleVersionLabels(
      node({
        [M]: 'v2',
        [L]: 'v1',
        [VERSION_LABELS.module('net', 'nic.vendor')]: '3',
        [VERSION_LABELS.module('other', 'x')]: '1',
        [VERSION_LABELS.moduleLoader('other', 'x')]: '1',
      }),
      [],
    );
    expect(sut).toEqual({
      [L]: null,
      [VERSION_LABELS.moduleLoader('net', 'nic.vendor')]: '3',
      [VERSION_LABELS.devicePlugin('other', 'x')]: '1',
    });
  });

  const versionReady = NODE_LABELS.moduleVersionReady('drivers', 'gpu');
  const v2Loader = (over: Parameters<typeof pod>[0] = {}): V1Pod => {
    const p = pod(over);
    return { ...p, metadata: { ...p.metadata, labels: { ...p.metadata?.labels, [L]: 'v2' } } };
  };
  it.each<[string, Record<string, string>, V1Pod[], Record<string, string | null> | undefined]>([
    [
      'labels version.ready with the version of the Ready loader, as KMM 2.x',
      { [M]: 'v2', [L]: 'v2' },
      [v2Loader()],
      { [D]: 'v2', [NODE_LABELS.moduleReady('drivers', 'gpu')]: '', [versionReady]: 'v2' },
    ],
    [
      'updates a version.ready of another version',
      { [M]: 'v2', [L]: 'v2', [D]: 'v2', [NODE_LABELS.moduleReady('drivers', 'gpu')]: '', [versionReady]: 'v1' },
      [v2Loader()],
      { [versionReady]: 'v2' },
    ],
    [
      'removes it with the ready label when the loader stops being Ready',
      { [M]: 'v2', [L]: 'v2', [D]: 'v2', [NODE_LABELS.moduleReady('drivers', 'gpu')]: '', [versionReady]: 'v2' },
      [v2Loader({ ready: false })],
      { [NODE_LABELS.moduleReady('drivers', 'gpu')]: null, [versionReady]: null },
    ],
    ['sets none for a loader without version', {}, [pod({})], { [NODE_LABELS.moduleReady('drivers', 'gpu')]: '' }],
  ])('%s', (_what, labels, pods, expected) => {
    expect(planNodeModuleLabels(node(labels), pods, [])).toEqual(expected);
  });

  it('leaves the admin label of a Module named "ready" alone while planning the per-Module labels', () => {
    const admin = VERSION_LABELS.module('drivers', 'ready');
    expect(isNodeModuleLabel(admin)).toBe(false);
    const sut = planNodeModuleLabels(node({ [admin]: 'v1' }), [], []);
    expect(sut).toEqual({ [VERSION_LABELS.moduleLoader('drivers', 'ready')]: 'v1' });
  });
});
