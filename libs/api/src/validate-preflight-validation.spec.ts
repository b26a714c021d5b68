import { describe, expect, it } from 'vitest';
import { RESOURCES } from './constants.js';
import type { PreflightValidation } from './types.js';
import { validatePreflightValidation } from './validate-preflight-validation.js';
import type { ValidationIssue } from './validation-result.js';

function pfv(spec: PreflightValidation['spec']): PreflightValidation {
  return {
    apiVersion: RESOURCES.PreflightValidation.apiVersion,
    kind: 'PreflightValidation',
    metadata: { name: 'p' },
    spec,
  };
}

describe('validatePreflightValidation', () => {
  it.each<[string, NonNullable<PreflightValidation['spec']>]>([
    ['upstream kernelVersion alone', { kernelVersion: '5.14.0-427.13.1.el9_4.x86_64', pushBuiltImage: true }],
    ['a list of kernels', { kernelVersions: ['6.8.0-49-generic', '6.1.0-28-amd64', '6.1.0-29-amd64+'] }],
    ['a selector', { kernelVersion: '6.1.0-28-amd64', selector: { matchLabels: { tier: 'gpu' } } }],
  ])('accepts %s', (_, spec) => {
    expect(validatePreflightValidation(pfv(spec))).toEqual({ ok: true });
  });

  it.each<[string, PreflightValidation['spec'], ValidationIssue[]]>([
    ['no spec', undefined, [{ path: 'spec', message: 'required' }]],
    ['no kernel', {}, [{ path: 'spec.kernelVersion', message: 'set spec.kernelVersion or spec.kernelVersions' }]],
    [
      'an empty kernelVersion',
      { kernelVersion: '' },
      [{ path: 'spec.kernelVersion', message: 'must be a kernel release such as 6.8.0-49-generic, got ""' }],
    ],
    [
      'a kernel twice in the list',
      { kernelVersions: ['6.8.0-49-generic', '6.8.0-49-generic'] },
      [
        {
          path: 'spec.kernelVersions[1]',
          message: '"6.8.0-49-generic" is listed twice (first at spec.kernelVersions[0])',
        },
      ],
    ],
    [
      'kernelVersion repeated in the list',
      { kernelVersion: '6.1.0-28-amd64+', kernelVersions: ['6.1.0-28-amd64'] },
      [{ path: 'spec.kernelVersions[0]', message: '"6.1.0-28-amd64" repeats spec.kernelVersion' }],
    ],
    [
      'an Exists requirement with values',
      {
        kernelVersion: '6.1.0-28-amd64',
        selector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] },
      },
      [
        {
          path: 'spec.selector.matchExpressions[0].values',
          message: expect.stringContaining('Exists') as unknown as string,
        },
      ],
    ],
  ])('refuses %s, naming the field and the value', (_, spec, issues) => {
    expect(validatePreflightValidation(pfv(spec))).toEqual({ ok: false, issues });
  });
});
