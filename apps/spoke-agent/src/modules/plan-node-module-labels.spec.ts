import { describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { LABELS, NODE_LABELS, newModule, type Module } from '@kmm-hub/api';
import { isNodeModuleLabel, isPodReady, planNodeModuleLabels } from './plan-node-module-labels.js';

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
    // Upstream's other labels are not ours to remove: versions, the deprecated form, the kernel, targets.
    ['kmm.node.kubernetes.io/drivers.gpu.version.ready', false],
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
      'other labels stay, upstream version labels included',
      node({ a: 'b', 'kmm.node.kubernetes.io/drivers.gpu.version.ready': '1' }),
      [],
      undefined,
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
