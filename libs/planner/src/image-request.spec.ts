import { newManagedClusterModule } from '@kmm-hub/api';
import { moduleIdentityOf, resolveManagedClusterModuleKernel, type ResolvedKernelMapping } from '@kmm-hub/kernel';
import { describe, expect, it } from 'vitest';
import { imageRequestOf, inputVersionKey, type ResourceVersionOf } from './image-request.js';

const KERNEL = '6.1.0-56-amd64';

function mcmWith(container: Record<string, unknown>, imageRepoSecret?: string) {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu' }, spec: { spokeNamespace: 'kmm' } });
  mcm.spec.moduleSpec.moduleLoader.container = {
    modprobe: { moduleName: 'gpu', dirName: '/srv' },
    kernelMappings: [{ regexp: '^6\\.', containerImage: 'registry.test/gpu:${KERNEL_FULL_VERSION}' }],
    ...container,
  } as never;
  if (imageRepoSecret) mcm.spec.moduleSpec.imageRepoSecret = { name: imageRepoSecret };
  return mcm;
}

function resolved(mcm: ReturnType<typeof mcmWith>): ResolvedKernelMapping {
  const r = resolveManagedClusterModuleKernel(mcm, KERNEL);
  if (!r.ok) throw new Error(r.reason);
  return r.mapping;
}

const versions: Record<string, string> = {
  'Secret/pull': '11',
  'Secret/build-token': '12',
  'ConfigMap/dockerfile': '13',
  'Secret/signing-key': '14',
  'Secret/signing-cert': '15',
};
const known: ResourceVersionOf = (kind, name) => versions[inputVersionKey(kind, name)];
const nothing: ResourceVersionOf = () => undefined;

const build = { dockerfileConfigMap: { name: 'dockerfile' }, secrets: [{ name: 'build-token' }] };
const sign = { keySecret: { name: 'signing-key' }, certSecret: { name: 'signing-cert' }, filesToSign: ['/x.ko'] };

describe('imageRequestOf', () => {
  it.each([
    ['no build, sign or pull secret: no inputs', {}, undefined, known, {}],
    ['the pull secret', {}, 'pull', known, { 'Secret/pull': '11' }],
    ['build inputs', { build }, undefined, known, { 'Secret/build-token': '12', 'ConfigMap/dockerfile': '13' }],
    ['sign inputs', { sign }, undefined, known, { 'Secret/signing-key': '14', 'Secret/signing-cert': '15' }],
    [
      'every input',
      { build, sign },
      'pull',
      known,
      {
        'Secret/build-token': '12',
        'ConfigMap/dockerfile': '13',
        'Secret/signing-key': '14',
        'Secret/signing-cert': '15',
        'Secret/pull': '11',
      },
    ],
    ['inputs not in the caches: no entry', { build, sign }, 'pull', nothing, {}],
  ])('tracks the resourceVersions of %s', (_, container, pull, lookup, expected) => {
    const mcm = mcmWith(container, pull);
    expect(imageRequestOf(mcm, KERNEL, resolved(mcm), lookup).inputVersions).toEqual(expected);
  });

  it('carries the rendered image, module identity, build, sign, registryTLS and dirName', () => {
    const mcm = mcmWith({ build, sign }, 'pull');
    const m = resolved(mcm);
    expect(imageRequestOf(mcm, KERNEL, m, known)).toMatchObject({
      mcm: 'gpu',
      moduleName: moduleIdentityOf(mcm).name,
      moduleNamespace: 'kmm',
      kernel: KERNEL,
      image: `registry.test/gpu:${KERNEL}`,
      build: m.build,
      sign: m.sign,
      registryTLS: m.registryTLS,
      imageRepoSecret: { name: 'pull', resourceVersion: '11' },
      dirName: '/srv',
    });
  });

  it('names a pull secret the caches do not hold with an empty resourceVersion', () => {
    const mcm = mcmWith({}, 'pull');
    expect(imageRequestOf(mcm, KERNEL, resolved(mcm), nothing).imageRepoSecret).toEqual({
      name: 'pull',
      resourceVersion: '',
    });
  });
});
