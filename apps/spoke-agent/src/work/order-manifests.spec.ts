import { describe, expect, it } from 'vitest';
import { orderManifests } from './order-manifests.js';

describe('orderManifests', () => {
  it.each<[string, string[], number[]]>([
    [
      'namespaces and CRDs before what they hold',
      ['ConfigMap', 'Namespace', 'Module', 'CustomResourceDefinition'],
      [1, 3, 0, 2],
    ],
    [
      'RBAC before workloads, webhooks last',
      ['ValidatingWebhookConfiguration', 'DaemonSet', 'RoleBinding', 'Service'],
      [2, 3, 1, 0],
    ],
    ['unknown kinds after known ones, in spec order', ['Module', 'Widget', 'Secret'], [2, 0, 1]],
    ['the spec order among equal ranks', ['ConfigMap', 'Secret', 'ConfigMap'], [0, 1, 2]],
    ['a manifest without kind last', ['', 'Module'], [1, 0]],
  ])('puts %s', (_name, kinds, expected) => {
    expect(orderManifests(kinds.map((kind) => ({ kind })))).toEqual(expected);
  });
});
