import { describe, expect, it } from 'vitest';
import { evaluateJsonPath } from './json-path.js';

const module = {
  metadata: { name: 'gpu', labels: { 'kmm.node.kubernetes.io/module.name': 'gpu' } },
  status: {
    moduleLoader: { desiredNumber: 3, availableNumber: 2 },
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Degraded', status: 'False', count: 1 },
    ],
  },
};

describe('evaluateJsonPath', () => {
  it.each<[string, unknown[]]>([
    ['.status.moduleLoader.availableNumber', [2]],
    ['{.status.moduleLoader.desiredNumber}', [3]],
    ['$.metadata.name', ['gpu']],
    [".metadata.labels['kmm.node.kubernetes.io/module.name']", ['gpu']],
    ['.metadata.labels["kmm.node.kubernetes.io/module.name"]', ['gpu']],
    ['.status.conditions[0].type', ['Ready']],
    ['.status.conditions[-1].type', ['Degraded']],
    ['.status.conditions[*].status', ['True', 'False']],
    ['.status.moduleLoader.*', [3, 2]],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type == 'Degraded')].status", ['False']],
    ['.status.conditions[?(@.type != "Ready")].type', ['Degraded']],
    ['.status.conditions[?(@.count)].type', ['Degraded']],
    ['.status.conditions[?(@.count==1)].type', ['Degraded']],
    ['.status.devicePlugin.availableNumber', []],
    ['.status.conditions[5].type', []],
    ['.metadata.name.length', []],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(path, module)).toEqual({ ok: true, values: expected });
  });

  it.each(['.status..x', '.status[', '.status.(x)', '.status.conditions[?(@.type ~= "x")]', 'status'])(
    'rejects %s',
    (path) => {
      expect(evaluateJsonPath(path, module).ok).toBe(false);
    },
  );
});
