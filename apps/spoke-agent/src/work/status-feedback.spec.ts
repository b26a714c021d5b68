import { describe, expect, it } from 'vitest';
import { moduleStatusFeedbackRule } from '@kmm-hub/manifestwork';
import { collectStatusFeedback } from './status-feedback.js';

const daemonSet = { group: 'apps', version: 'v1', kind: 'DaemonSet' };
const module = { group: 'kmm.sigs.x-k8s.io', version: 'v1beta1', kind: 'Module' };

describe('collectStatusFeedback', () => {
  it('reads the hub’s nine Module JSONPaths, leaving out the counters a Module does not report', () => {
    const object = {
      status: { moduleLoader: { nodesMatchingSelectorNumber: 2, desiredNumber: 2, availableNumber: 1 } },
    };
    expect(collectStatusFeedback(object, [moduleStatusFeedbackRule()], module)).toEqual({
      values: [
        { name: 'moduleLoader.availableNumber', fieldValue: { type: 'Integer', integer: 1 } },
        { name: 'moduleLoader.desiredNumber', fieldValue: { type: 'Integer', integer: 2 } },
        { name: 'moduleLoader.nodesMatchingSelectorNumber', fieldValue: { type: 'Integer', integer: 2 } },
      ],
      errors: [],
    });
  });

  it('types values as OCM does: Integer, String, Boolean; floats and structures are errors', () => {
    const object = { spec: { n: 3, s: 'x', b: false, f: 1.5, m: { a: 1 }, l: [1] } };
    const paths = ['n', 's', 'b', 'f', 'm', 'l'].map((k) => ({ name: k, path: `.spec.${k}` }));
    const sut = collectStatusFeedback(object, [{ type: 'JSONPaths', jsonPaths: paths }], module);
    expect(sut.values).toEqual([
      { name: 'n', fieldValue: { type: 'Integer', integer: 3 } },
      { name: 's', fieldValue: { type: 'String', string: 'x' } },
      { name: 'b', fieldValue: { type: 'Boolean', boolean: false } },
    ]);
    expect(sut.errors).toEqual([
      'f: the type float64 is not supported',
      'm: the type map is not supported',
      'l: the type list is not supported',
    ]);
  });

  it('uses the well-known DaemonSet status and reports kinds without one', () => {
    const object = { status: { numberReady: 1, desiredNumberScheduled: 2, numberAvailable: 1 } };
    expect(collectStatusFeedback(object, [{ type: 'WellKnownStatus' }], daemonSet).values.map((v) => v.name)).toEqual([
      'NumberReady',
      'DesiredNumberScheduled',
      'NumberAvailable',
    ]);
    expect(collectStatusFeedback(object, [{ type: 'WellKnownStatus' }], module)).toEqual({
      values: [],
      errors: ['cannot find the wellknown statuses for Module'],
    });
  });

  it('rejects a path for another version, several matches, and bad syntax', () => {
    const object = { status: { list: [{ a: 1 }, { a: 2 }] } };
    const sut = collectStatusFeedback(
      object,
      [
        {
          type: 'JSONPaths',
          jsonPaths: [
            { name: 'v', path: '.status.list', version: 'v1' },
            { name: 'many', path: '.status.list[*].a' },
            { name: 'bad', path: '.status..a' },
          ],
        },
      ],
      module,
    );
    expect(sut.values).toEqual([]);
    expect(sut.errors).toHaveLength(3);
    expect(sut.errors[0]).toContain('version v1 does not match');
    expect(sut.errors[1]).toContain('matches 2 values');
  });

  it('keeps the first value of a name', () => {
    const rules = [
      { type: 'JSONPaths' as const, jsonPaths: [{ name: 'x', path: '.a' }] },
      { type: 'JSONPaths' as const, jsonPaths: [{ name: 'x', path: '.b' }] },
    ];
    expect(collectStatusFeedback({ a: 1, b: 2 }, rules, module).values).toEqual([
      { name: 'x', fieldValue: { type: 'Integer', integer: 1 } },
    ]);
  });
});
