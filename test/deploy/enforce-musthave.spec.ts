import { describe, expect, it } from 'vitest';
import { enforceMustHave, isEquivalent, mergeMustHave, type KubeObjectLike } from './enforce-musthave.js';

const deployment = (containers: unknown[], extra: Record<string, unknown> = {}): KubeObjectLike => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'agent', namespace: 'ns', labels: { app: 'agent' } },
  spec: { replicas: 1, template: { spec: { containers } } },
  ...extra,
});

describe('enforceMustHave', () => {
  it('creates a missing object exactly as the template says', () => {
    const sut = deployment([{ name: 'agent', image: 'a:1' }]);

    expect(enforceMustHave(sut, undefined)).toEqual({ action: 'create', object: sut });
  });

  it('does nothing when the cluster holds the template plus defaults and other managers fields', () => {
    const template = deployment([{ name: 'agent', image: 'a:1', ports: [{ name: 'http', containerPort: 8081 }] }]);
    const existing = deployment(
      [
        {
          name: 'agent',
          image: 'a:1',
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 8081, protocol: 'TCP' }],
        },
      ],
      { status: { replicas: 0 } },
    );
    existing.metadata = { ...existing.metadata, uid: 'u', labels: { app: 'agent', team: 'x' } };

    expect(enforceMustHave(template, existing)).toEqual({ action: 'none' });
  });

  it('updates drifted fields and keeps what the template does not mention', () => {
    const template = deployment([{ name: 'agent', image: 'a:1' }]);
    const existing = deployment([
      { name: 'agent', image: 'a:0', terminationMessagePath: '/dev/termination-log' },
      { name: 'sidecar', image: 's:1' },
    ]);
    existing.metadata = { ...existing.metadata, labels: { team: 'x' } };

    const decision = enforceMustHave(template, existing);

    expect(decision).toEqual({
      action: 'update',
      differences: ['metadata.labels', 'spec'],
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'agent', namespace: 'ns', labels: { team: 'x', app: 'agent' } },
        spec: {
          replicas: 1,
          template: {
            spec: {
              containers: [
                { name: 'agent', image: 'a:1', terminationMessagePath: '/dev/termination-log' },
                { name: 'sidecar', image: 's:1' },
              ],
            },
          },
        },
      },
    });
  });

  it('never enforces status', () => {
    const template = { ...deployment([]), status: { replicas: 3 } };
    const existing = { ...deployment([]), status: { replicas: 0 } };

    expect(enforceMustHave(template, existing)).toEqual({ action: 'none' });
  });
});

describe('mergeMustHave', () => {
  it.each([
    ['adds a missing scalar list item', ['a'], ['b'], ['a', 'b']],
    ['keeps an item already there', ['a'], ['a', 'b'], ['a', 'b']],
    ['keeps duplicates the cluster holds', ['a'], ['a', 'a'], ['a', 'a']],
    [
      'merges items without a name that already contain the template item',
      [{ key: 'kubeconfig', path: 'kubeconfig' }],
      [{ key: 'kubeconfig', path: 'kubeconfig', mode: 256 }],
      [{ key: 'kubeconfig', path: 'kubeconfig', mode: 256 }],
    ],
    [
      'merges items with the same name in place',
      [{ name: 'A', value: '2' }],
      [{ name: 'A', value: '1' }, { name: 'B' }],
      [{ name: 'A', value: '2' }, { name: 'B' }],
    ],
    ['lets the template win on scalars', 'new', 'old', 'new'],
  ])('%s', (_what, template, existing, merged) => {
    expect(mergeMustHave(template, existing)).toEqual(merged);
  });
});

describe('isEquivalent', () => {
  it.each([
    ['lists in another order', ['a', 'b'], ['b', 'a'], true],
    ['a number and its string', 8080, '8080', true],
    ['an omitted key and an empty map', { emptyDir: {} }, {}, true],
    ['an omitted key and a value', { replicas: 1 }, {}, false],
    ['lists of different length', ['a'], ['a', 'a'], false],
  ])('%s: %s', (_what, a, b, equal) => {
    expect(isEquivalent(a, b)).toBe(equal);
  });
});
