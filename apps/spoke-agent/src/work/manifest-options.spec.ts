import { describe, expect, it } from 'vitest';
import type { ManifestConfigOption } from '@kmm-hub/api';
import { findManifestOptions, isOwnedByWork, matchesGlob, type ResourceIdentity } from './manifest-options.js';

const module: ResourceIdentity = { group: 'kmm.sigs.x-k8s.io', resource: 'modules', namespace: 'kmm', name: 'gpu' };

describe('matchesGlob', () => {
  it.each<[string, string, boolean]>([
    ['gpu', 'gpu', true],
    ['gpu', 'gpu2', false],
    ['*', '', true],
    ['gpu-*', 'gpu-a100', true],
    ['*-a100', 'gpu-a100', true],
    ['g*u', 'gpu', true],
    ['g*u', 'gpx', false],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected);
  });
});

describe('findManifestOptions', () => {
  const option = (o: Partial<ManifestConfigOption>, name = 'gpu'): ManifestConfigOption => ({
    resourceIdentifier: { group: 'kmm.sigs.x-k8s.io', resource: 'modules', namespace: 'kmm', name },
    ...o,
  });

  it('defaults to the Update strategy and no feedback', () => {
    expect(findManifestOptions(undefined, module)).toEqual({ updateStrategy: { type: 'Update' } });
  });

  it('takes each field from the first matching config that sets it (OCM FindManifestConfiguration)', () => {
    const rules = [{ type: 'WellKnownStatus' as const }];
    const sut = findManifestOptions(
      [
        option({ updateStrategy: { type: 'CreateOnly' } }, 'other'),
        option({ updateStrategy: { type: 'ServerSideApply' } }, '*'),
        option({ feedbackRules: rules, updateStrategy: { type: 'ReadOnly' } }),
      ],
      module,
    );
    expect(sut).toEqual({ feedbackRules: rules, updateStrategy: { type: 'ServerSideApply' } });
  });

  it('matches group and resource exactly, namespace and name as globs', () => {
    const wrongGroup = {
      ...option({ updateStrategy: { type: 'ReadOnly' } }),
      resourceIdentifier: { ...module, group: '' },
    };
    expect(findManifestOptions([wrongGroup], module).updateStrategy.type).toBe('Update');
    const anyNamespace = {
      ...option({ updateStrategy: { type: 'ReadOnly' } }),
      resourceIdentifier: { ...module, namespace: '*' },
    };
    expect(findManifestOptions([anyNamespace], module).updateStrategy.type).toBe('ReadOnly');
  });
});

describe('isOwnedByWork', () => {
  const update = { type: 'Update' as const };
  it.each<[string, Parameters<typeof isOwnedByWork>[0], boolean]>([
    ['no delete option (Foreground)', undefined, true],
    ['Foreground', { propagationPolicy: 'Foreground' }, true],
    ['Orphan', { propagationPolicy: 'Orphan' }, false],
    [
      'SelectivelyOrphan listing it',
      { propagationPolicy: 'SelectivelyOrphan', selectivelyOrphans: { orphaningRules: [{ ...module }] } },
      false,
    ],
    [
      'SelectivelyOrphan listing another',
      { propagationPolicy: 'SelectivelyOrphan', selectivelyOrphans: { orphaningRules: [{ ...module, name: 'x' }] } },
      true,
    ],
  ])('%s: owned=%s', (_name, deleteOption, expected) => {
    expect(isOwnedByWork(deleteOption, module, update)).toBe(expected);
  });

  it('never owns a ReadOnly resource', () => {
    expect(isOwnedByWork(undefined, module, { type: 'ReadOnly' })).toBe(false);
  });
});
