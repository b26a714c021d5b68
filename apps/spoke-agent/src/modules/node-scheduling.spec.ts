import type { V1Node, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isSchedulable, kernelLabelValue, kernelOfNode, matchesSelector, toleratesTaint } from './node-scheduling.js';

const node = (taints: V1Taint[] = [], labels: Record<string, string> = {}, kernel?: string): V1Node => ({
  metadata: { name: 'n', labels },
  spec: { taints },
  ...(kernel !== undefined && { status: { nodeInfo: { kernelVersion: kernel } as never } }),
});

describe('toleratesTaint', () => {
  const taint: V1Taint = { key: 'gpu', value: 'a100', effect: 'NoSchedule' };
  it.each<[string, V1Toleration, boolean]>([
    ['Equal with the value', { key: 'gpu', operator: 'Equal', value: 'a100', effect: 'NoSchedule' }, true],
    ['Equal by default', { key: 'gpu', value: 'a100' }, true],
    ['another value', { key: 'gpu', value: 'h100' }, false],
    ['Exists on the key', { key: 'gpu', operator: 'Exists' }, true],
    ['Exists on every key', { operator: 'Exists' }, true],
    ['another effect', { key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, false],
  ])('%s: %s', (_name, toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('isSchedulable', () => {
  it.each<[string, V1Taint[], V1Toleration[] | undefined, boolean]>([
    ['no taints', [], undefined, true],
    ['a PreferNoSchedule taint', [{ key: 'x', effect: 'PreferNoSchedule' }], undefined, true],
    ['an untolerated NoSchedule taint', [{ key: 'x', effect: 'NoSchedule' }], undefined, false],
    ['a tolerated NoExecute taint', [{ key: 'x', effect: 'NoExecute' }], [{ key: 'x', operator: 'Exists' }], true],
    [
      'a cordoned node (DaemonSets tolerate it)',
      [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
      undefined,
      true,
    ],
    [
      'a node not ready yet (NoSchedule)',
      [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
      undefined,
      false,
    ],
  ])('%s: %s', (_name, taints, tolerations, expected) => {
    expect(isSchedulable(node(taints), tolerations)).toBe(expected);
  });
});

describe('matchesSelector', () => {
  it('needs every selector label', () => {
    expect(matchesSelector(node([], { a: '1', b: '2' }), { a: '1' })).toBe(true);
    expect(matchesSelector(node([], { a: '1' }), { a: '1', b: '2' })).toBe(false);
    expect(matchesSelector(node([], {}), {})).toBe(true);
  });
});

describe('kernels', () => {
  it.each<[string, string | undefined]>([
    ['5.14.0-427.13.1.el9_4.x86_64', '5.14.0-427.13.1.el9_4.x86_64'],
    ['6.1.21-v8', '6.1.21-v8'],
    ['6.8.0-1+custom~build', '6.8.0-1_custom_build'],
    ['6.8.0-1.', undefined],
    [`6.8.0-${'x'.repeat(60)}`, undefined],
  ])('labels kernel %s as %s', (kernel, expected) => {
    expect(kernelLabelValue(kernel)).toBe(expected);
  });

  it('trims one trailing + from the node kernel', () => {
    expect(kernelOfNode(node([], {}, '6.1.21-v8+'))).toBe('6.1.21-v8');
    expect(kernelOfNode(node())).toBe('');
  });
});
