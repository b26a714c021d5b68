import type { Build, KernelMapping, ManagedClusterModule, ModuleLoaderContainerSpec, Sign } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { KERNEL_MAPPING_PROBLEM } from './kernel-mapping-problem.js';
import {
  applyBuildArgOverrides,
  mergeBuild,
  mergeSign,
  moduleIdentityOf,
  resolveKernelMapping,
  resolveManagedClusterModuleKernel,
  type KernelMappingResolution,
  type ResolvedKernelMapping,
} from './resolve-kernel-mapping.js';

const MODULE = { name: 'gpu-drv', namespace: 'kmm-system' };

function newContainer(overrides: Partial<ModuleLoaderContainerSpec> = {}): ModuleLoaderContainerSpec {
  return {
    modprobe: { moduleName: 'gpu_drv' },
    kernelMappings: [{ regexp: '^.+$', containerImage: '' }],
    containerImage: 'registry.example/gpu-drv:${KERNEL_FULL_VERSION}',
    ...overrides,
  };
}

function newMapping(overrides: Partial<KernelMapping> = {}): KernelMapping {
  return { containerImage: '', ...overrides };
}

function resolved(result: KernelMappingResolution): ResolvedKernelMapping {
  if (!result.ok) throw new Error(`${result.problem}: ${result.reason}`);
  return result.mapping;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// Partial signs, as upstream's tests build them; the CRD would reject them but merging must not depend on it.
function partial(sign: Partial<Sign>): Sign {
  return sign as Sign;
}

function newMcm(moduleSpec: NonNullable<ManagedClusterModule['spec']>['moduleSpec']): ManagedClusterModule {
  return {
    apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
    kind: 'ManagedClusterModule',
    metadata: { name: 'gpu-drv' },
    spec: { spokeNamespace: 'drivers', selector: {}, moduleSpec },
  };
}

describe('resolveKernelMapping', () => {
  describe('finding the mapping', () => {
    // Upstream findKernelMapping tests use kernel 1.2.3; the others document first-match and unanchored semantics.
    it.each([
      ['one literal mapping', [{ literal: '1.2.3' }], '1.2.3', 0],
      ['one regexp mapping', [{ regexp: '1\\..*' }], '1.2.3', 0],
      ['an unanchored regexp', [{ regexp: '2\\.3' }], '1.2.3', 0],
      ['the first of two matches', [{ regexp: '^1' }, { literal: '1.2.3' }], '1.2.3', 0],
      ['a literal after a miss', [{ regexp: '^2' }, { literal: '1.2.3' }], '1.2.3', 1],
      [
        'an invalid regexp after the match is never compiled',
        [{ literal: '1.2.3' }, { regexp: 'invalid)' }],
        '1.2.3',
        0,
      ],
      [
        'a literal is compared before the regexp of the same mapping',
        [{ literal: '1.2.3', regexp: 'invalid)' }],
        '1.2.3',
        0,
      ],
      ['an empty literal is ignored', [{ literal: '' }, { regexp: '.' }], '1.2.3', 1],
      ['a literal is exact', [{ literal: '1.2.3-1' }, { literal: '1.2.3' }], '1.2.3', 1],
    ])('matches %s', (_name, mappings, kernel, index) => {
      const container = newContainer({ kernelMappings: mappings.map((m) => newMapping(m)) });
      expect(resolved(resolveKernelMapping({ container, module: MODULE, kernel })).mappingIndex).toBe(index);
    });

    it.each([
      ['no mapping works', [{ regexp: '1.2.2' }, { regexp: '0\\..*' }], '1.2.3'],
      ['a literal is not a prefix', [{ literal: '1.2' }], '1.2.3'],
      ['there are no mappings', [], '1.2.3'],
      ['an unparseable kernel matches nothing', [{ literal: '6.2' }], '6.1'],
    ])('reports no match when %s', (_name, mappings, kernel) => {
      const container = newContainer({ kernelMappings: mappings.map((m) => newMapping(m)) });
      expect(resolveKernelMapping({ container, module: MODULE, kernel })).toEqual({
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping,
        reason: `no kernel mapping matches kernel ${kernel}`,
      });
    });

    it('reports an invalid regexp reached before a match', () => {
      const container = newContainer({
        kernelMappings: [newMapping({ regexp: 'invalid)' }), newMapping({ literal: '1.2.3' })],
      });
      expect(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).toEqual({
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.InvalidRegexp,
        reason:
          'kernelMappings[0].regexp "invalid)" is not a valid RE2 expression: error parsing regexp: unexpected ): `invalid)`',
      });
    });
  });

  describe('merging mapping over container', () => {
    const build: Build = { dockerfileConfigMap: { name: 'some name' } };
    const sign: Sign = { unsignedImage: 'some unsigned image', keySecret: { name: 'k' }, certSecret: { name: 'c' } };
    const registryTLS = { insecure: true };

    interface MergeCase {
      mapping?: Partial<KernelMapping>;
      container?: Partial<ModuleLoaderContainerSpec>;
      containerImage?: string;
      build?: true;
      sign?: true;
      registryTLS?: object;
      inTree?: string[];
    }

    // Upstream prepareModuleLoaderData "prepare mapping" table, plus the container-level counterparts.
    it.each<[string, MergeCase]>([
      ['build in mapping only', { mapping: { build }, build: true }],
      ['build in spec only', { container: { build }, build: true }],
      ['sign in mapping only', { mapping: { sign }, sign: true }],
      ['sign in spec only', { container: { sign }, sign: true }],
      ['registryTLS in mapping', { mapping: { registryTLS }, registryTLS }],
      ['registryTLS in container', { container: { registryTLS }, registryTLS }],
      [
        'containerImage in mapping',
        { mapping: { containerImage: 'mapping/image:tag' }, containerImage: 'mapping/image:tag' },
      ],
      ['inTreeModulesToRemove in mapping', { mapping: { inTreeModulesToRemove: ['m1', 'm2'] }, inTree: ['m1', 'm2'] }],
      ['inTreeModulesToRemove in container', { container: { inTreeModulesToRemove: ['c1'] }, inTree: ['c1'] }],
      [
        'an empty mapping list, which wins',
        { container: { inTreeModulesToRemove: ['c1'] }, mapping: { inTreeModulesToRemove: [] }, inTree: [] },
      ],
    ])('handles %s', (_name, c) => {
      const mapping = newMapping({ literal: '1.2.3', ...c.mapping });
      const container = newContainer({ containerImage: 'spec/image:tag', kernelMappings: [mapping], ...c.container });
      const sut = resolved(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' }));
      expect(sut.containerImage).toBe(c.containerImage ?? 'spec/image:tag');
      expect(sut.build !== undefined).toBe(c.build === true);
      expect(sut.sign !== undefined).toBe(c.sign === true);
      expect(sut.registryTLS).toEqual(c.registryTLS ?? {});
      expect(sut.inTreeModulesToRemove).toEqual(c.inTree);
    });

    // Upstream "prepare InTreeModules based on InTreeModule" table (deprecated singular field).
    it.each([
      ['not defined', undefined, undefined, undefined],
      ['defined in container', 'inContainer', undefined, ['inContainer']],
      ['defined in mapping', undefined, 'inMapping', ['inMapping']],
      ['defined in mapping and container', 'inContainer', 'inMapping', ['inMapping']],
    ])('turns the deprecated inTreeModuleToRemove %s into a list', (_name, onContainer, onMapping, expected) => {
      const mapping = newMapping({
        literal: '1.2.3',
        ...(onMapping !== undefined && { inTreeModuleToRemove: onMapping }),
      });
      const container = newContainer({
        kernelMappings: [mapping],
        ...(onContainer !== undefined && { inTreeModuleToRemove: onContainer }),
      });
      expect(
        resolved(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).inTreeModulesToRemove,
      ).toEqual(expected);
    });

    it('lets the singular field win over a plural list, as upstream does', () => {
      const mapping = newMapping({ literal: '1.2.3', inTreeModulesToRemove: ['b'] });
      const container = newContainer({ kernelMappings: [mapping], inTreeModuleToRemove: 'a' });
      expect(
        resolved(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).inTreeModulesToRemove,
      ).toEqual(['a']);
    });

    it('reports a missing containerImage', () => {
      const container = newContainer({ containerImage: undefined, kernelMappings: [newMapping({ literal: '1.2.3' })] });
      expect(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).toEqual({
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.MissingContainerImage,
        reason: 'kernelMappings[0] has no containerImage and the container has no default containerImage',
      });
    });

    it('reports an image that renders empty', () => {
      const container = newContainer({ containerImage: '${NOPE}', kernelMappings: [newMapping({ literal: '1.2.3' })] });
      expect(resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).toMatchObject({
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.MissingContainerImage,
      });
    });

    it('does not modify its input', () => {
      const container = deepFreeze(
        newContainer({
          build: { dockerfileConfigMap: { name: 'a' }, buildArgs: [{ name: 'X', value: '$KERNEL_XYZ' }] },
          sign: {
            keySecret: { name: 'k' },
            certSecret: { name: 'c' },
            filesToSign: ['/opt/${KERNEL_FULL_VERSION}/a.ko'],
          },
          kernelMappings: [
            newMapping({
              regexp: '.',
              build: {
                dockerfileConfigMap: { name: 'b' },
                buildArgs: [{ name: 'Y', value: '1' }],
                secrets: [{ name: 's' }],
              },
              sign: { keySecret: { name: 'k2' }, certSecret: { name: 'c2' }, filesToSign: ['/opt/b.ko'] },
            }),
          ],
        }),
      );
      expect(() => resolveKernelMapping({ container, module: MODULE, kernel: '1.2.3' })).not.toThrow();
    });
  });

  describe('rendering', () => {
    it('renders every field with the one context, images with the normalized kernel and builds with the reported one', () => {
      const container = newContainer({
        containerImage: 'reg/${MOD_NAMESPACE}/${MOD_NAME}:${KERNEL_FULL_VERSION}',
        build: {
          dockerfileConfigMap: { name: 'dockerfile' },
          buildArgs: [
            { name: 'KVER', value: '${KERNEL_FULL_VERSION}' },
            { name: 'SERIES', value: '${KERNEL_X}.${KERNEL_Y}' },
            { name: 'MOD_NAME', value: 'user value replaced by the forced one' },
          ],
        },
        sign: {
          unsignedImage: 'reg/${MOD_NAMESPACE}/${MOD_NAME}-unsigned:${KERNEL_VERSION}',
          keySecret: { name: 'key' },
          certSecret: { name: 'cert' },
          filesToSign: ['/opt/lib/modules/${KERNEL_FULL_VERSION}/gpu.ko'],
        },
        kernelMappings: [newMapping({ regexp: '^6\\.6\\.' })],
      });
      const sut = resolved(resolveKernelMapping({ container, module: MODULE, kernel: '6.6.31+rpt-rpi-v8' }));
      expect(sut.kernel).toBe('6.6.31+rpt-rpi-v8');
      expect(sut.containerImage).toBe('reg/kmm-system/gpu-drv:6.6.31_rpt-rpi-v8');
      expect(sut.build).toEqual({
        dockerfileConfigMap: { name: 'dockerfile' },
        buildArgs: [
          { name: 'KVER', value: '6.6.31+rpt-rpi-v8' },
          { name: 'SERIES', value: '6.6' },
          { name: 'MOD_NAME', value: 'gpu-drv' },
          { name: 'KERNEL_FULL_VERSION', value: '6.6.31+rpt-rpi-v8' },
          { name: 'KERNEL_VERSION', value: '6.6.31+rpt-rpi-v8' },
          { name: 'MOD_NAMESPACE', value: 'kmm-system' },
        ],
      });
      expect(sut.sign).toEqual({
        unsignedImage: 'reg/kmm-system/gpu-drv-unsigned:6.6.31_rpt-rpi-v8',
        keySecret: { name: 'key' },
        certSecret: { name: 'cert' },
        filesToSign: ['/opt/lib/modules/6.6.31+rpt-rpi-v8/gpu.ko'],
      });
    });

    it.each([
      ['containerImage', { containerImage: 'some image:${KERNEL_XYZ' }, 'kernelMappings[0] containerImage'],
      [
        'a build arg',
        { build: { dockerfileConfigMap: { name: 'd' }, buildArgs: [{ name: 'A', value: '${KERNEL_X' }] } },
        'build.buildArgs[0] (A)',
      ],
      [
        'unsignedImage',
        { sign: { unsignedImage: 'x:${KERNEL_X', keySecret: { name: 'k' }, certSecret: { name: 'c' } } },
        'sign.unsignedImage',
      ],
      [
        'filesToSign',
        { sign: { keySecret: { name: 'k' }, certSecret: { name: 'c' }, filesToSign: ['/a', '/b/${KERNEL_X'] } },
        'sign.filesToSign[1]',
      ],
    ])('reports an invalid template in %s', (_name, overrides, field) => {
      const container = newContainer({
        kernelMappings: [newMapping({ literal: '5.8.18-100.fc31.x86_64' })],
        ...overrides,
      });
      const result = resolveKernelMapping({ container, module: MODULE, kernel: '5.8.18-100.fc31.x86_64' });
      expect(result).toMatchObject({ ok: false, problem: KERNEL_MAPPING_PROBLEM.InvalidTemplate });
      expect(!result.ok && result.reason).toMatch(
        new RegExp(`^${field.replace(/[[\]()]/g, '\\$&')}: failed to substitute .*: closing brace expected$`),
      );
    });

    it('reports a matching kernel with fewer than three components', () => {
      const container = newContainer({ kernelMappings: [newMapping({ literal: '6.1' })] });
      expect(resolveKernelMapping({ container, module: MODULE, kernel: '6.1' })).toMatchObject({
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.InvalidKernelVersion,
      });
    });
  });
});

describe('mergeBuild', () => {
  // Upstream getRelevantBuild tests.
  it('takes the mapping build when the container has none', () => {
    const mappingBuild: Build = { dockerfileConfigMap: { name: 'some kernel mapping build name' } };
    expect(mergeBuild(undefined, mappingBuild)).toEqual(mappingBuild);
  });

  it('takes the container build when the mapping has none', () => {
    const containerBuild: Build = { dockerfileConfigMap: { name: 'some load module build name' } };
    expect(mergeBuild(containerBuild, undefined)).toEqual(containerBuild);
  });

  it('overrides the Dockerfile and keeps the container TLS when both have a build', () => {
    const containerBuild: Build = {
      dockerfileConfigMap: { name: 'some load module build name' },
      baseImageRegistryTLS: { insecure: true, insecureSkipTLSVerify: true },
    };
    const mappingBuild: Build = { dockerfileConfigMap: { name: 'some kernel mapping build name' } };
    const sut = mergeBuild(containerBuild, mappingBuild);
    expect(sut?.dockerfileConfigMap).toEqual(mappingBuild.dockerfileConfigMap);
    expect(sut?.baseImageRegistryTLS).toEqual(containerBuild.baseImageRegistryTLS);
  });

  it('merges args by name, appends secrets, and lets set mapping fields win', () => {
    const sut = mergeBuild(
      {
        dockerfileConfigMap: { name: 'c' },
        buildArgs: [
          { name: 'A', value: 'a' },
          { name: 'B', value: 'b' },
        ],
        secrets: [{ name: 's1' }],
        kanikoParams: { tag: 'v1' },
        selector: { arch: 'amd64' },
      },
      {
        dockerfileConfigMap: { name: 'm' },
        buildArgs: [
          { name: 'Z', value: 'z' },
          { name: 'B', value: 'B2' },
          { name: 'C', value: 'c' },
        ],
        secrets: [{ name: 's2' }],
        selector: { arch: 'arm64' },
      },
    );
    expect(sut).toEqual({
      dockerfileConfigMap: { name: 'm' },
      buildArgs: [
        { name: 'A', value: 'a' },
        { name: 'B', value: 'B2' },
        { name: 'C', value: 'c' },
        { name: 'Z', value: 'z' },
      ],
      secrets: [{ name: 's1' }, { name: 's2' }],
      kanikoParams: { tag: 'v1' },
      selector: { arch: 'arm64' },
    });
  });

  it('returns nothing when neither side has a build', () => {
    expect(mergeBuild(undefined, undefined)).toBeUndefined();
  });
});

describe('applyBuildArgOverrides', () => {
  it.each([
    [
      'upstream example',
      [
        { name: 'name1', value: 'value1' },
        { name: 'name2', value: 'value2' },
      ],
      [
        { name: 'name1', value: 'valueOverride1' },
        { name: 'overrideName2', value: 'overrideValue2' },
      ],
      [
        { name: 'name1', value: 'valueOverride1' },
        { name: 'name2', value: 'value2' },
        { name: 'overrideName2', value: 'overrideValue2' },
      ],
    ],
    ['no overrides', [{ name: 'a', value: '1' }], [], [{ name: 'a', value: '1' }]],
    [
      'unused overrides appended in name order',
      [],
      [
        { name: 'b', value: '2' },
        { name: 'A', value: '1' },
      ],
      [
        { name: 'A', value: '1' },
        { name: 'b', value: '2' },
      ],
    ],
    [
      'the last override of a name wins',
      [{ name: 'a', value: '0' }],
      [
        { name: 'a', value: '1' },
        { name: 'a', value: '2' },
      ],
      [{ name: 'a', value: '2' }],
    ],
    [
      'every arg of an overridden name is replaced',
      [
        { name: 'a', value: '0' },
        { name: 'a', value: '1' },
      ],
      [{ name: 'a', value: 'x' }],
      [
        { name: 'a', value: 'x' },
        { name: 'a', value: 'x' },
      ],
    ],
  ])('%s', (_name, args, overrides, expected) => {
    expect(applyBuildArgOverrides(args, overrides)).toEqual(expected);
  });
});

describe('mergeSign', () => {
  const unsignedImage = 'my.registry/my/image';
  const keySecret = { name: 'securebootkey' };
  const certSecret = { name: 'securebootcert' };
  const filesToSign = ['/modules/simple-kmod.ko', '/modules/simple-procfs-kmod.ko'];
  const expected: Sign = { unsignedImage, keySecret, certSecret, filesToSign };

  // Upstream getRelevantSign "should set fields correctly" table.
  it.each([
    ['no km.Sign', partial({ unsignedImage, keySecret, certSecret, filesToSign }), undefined],
    ['no container.Sign', undefined, partial({ unsignedImage, keySecret, certSecret, filesToSign })],
    ['default UnsignedImage', partial({ unsignedImage }), partial({ keySecret, certSecret, filesToSign })],
    [
      'default UnsignedImage and KeySecret',
      partial({ unsignedImage, keySecret }),
      partial({ certSecret, filesToSign }),
    ],
    [
      'default UnsignedImage, KeySecret, and CertSecret',
      partial({ unsignedImage, keySecret, certSecret }),
      partial({ filesToSign }),
    ],
    ['default FilesToSign only', partial({ filesToSign }), partial({ unsignedImage, keySecret, certSecret })],
  ])('sets fields correctly: %s', (_name, containerSign, mappingSign) => {
    expect(mergeSign(containerSign, mappingSign)).toEqual(expected);
  });

  it('appends mapping files to container files and keeps an empty mapping unsignedImage from overriding', () => {
    expect(
      mergeSign(
        { unsignedImage: 'c', keySecret: { name: 'k' }, certSecret: { name: 'c' }, filesToSign: ['/a'] },
        { unsignedImage: '', keySecret: { name: 'k2' }, certSecret: { name: 'c2' }, filesToSign: ['/b'] },
      ),
    ).toEqual({ unsignedImage: 'c', keySecret: { name: 'k2' }, certSecret: { name: 'c2' }, filesToSign: ['/a', '/b'] });
  });
});

describe('resolveManagedClusterModuleKernel', () => {
  it('renders with the spoke Module identity, not the operator namespace', () => {
    const mcm = newMcm({
      selector: {},
      moduleLoader: { container: newContainer({ containerImage: 'reg/$MOD_NAMESPACE/$MOD_NAME:$KERNEL_XYZ' }) },
    });
    expect(moduleIdentityOf(mcm)).toEqual({ name: 'gpu-drv', namespace: 'drivers' });
    expect(resolved(resolveManagedClusterModuleKernel(mcm, '5.14.0-284.el9.x86_64')).containerImage).toBe(
      'reg/drivers/gpu-drv:5.14.0',
    );
  });

  it('reports a module without moduleLoader instead of failing', () => {
    const mcm = newMcm({ selector: {}, devicePlugin: { container: { image: 'dp:1' } } });
    expect(resolveManagedClusterModuleKernel(mcm, '5.14.0')).toEqual({
      ok: false,
      problem: KERNEL_MAPPING_PROBLEM.NoModuleLoader,
      reason: 'spec.moduleSpec.moduleLoader is not set: there is no kernel module to map',
    });
  });
});
