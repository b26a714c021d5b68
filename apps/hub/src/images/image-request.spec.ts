import { describe, expect, it } from 'vitest';
import { newManagedClusterModule } from '@kmm-hub/api';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import { imageRequestFor } from './image-request.js';

const KERNEL = '5.14.0-427.13.1.el9_4.x86_64';

describe('imageRequestFor', () => {
  const mcm = newManagedClusterModule({ metadata: { name: 'gpu' } });
  mcm.spec.moduleSpec.imageRepoSecret = { name: 'pull' };
  const resolution = resolveManagedClusterModuleKernel(mcm, KERNEL);
  if (!resolution.ok) throw new Error(resolution.reason);
  const versions: Record<string, string> = {
    'ConfigMap/mod-example': '11',
    'Secret/signing-key': '12',
    'Secret/signing-cert': '13',
    'Secret/pull': '14',
  };

  it('carries the rendered image, build, sign and the versions of every input it reads', () => {
    const sut = imageRequestFor(mcm, KERNEL, resolution.mapping, (kind, name) => versions[`${kind}/${name}`]);

    expect(sut).toEqual({
      mcm: 'gpu',
      moduleName: 'gpu',
      moduleNamespace: 'kmm-operator-system',
      kernel: KERNEL,
      image: `registry.example.com/kmm-operator-system/gpu:${KERNEL}`,
      build: resolution.mapping.build,
      sign: resolution.mapping.sign,
      registryTLS: { insecure: true },
      imageRepoSecret: { name: 'pull', resourceVersion: '14' },
      inputVersions: versions,
      dirName: '/opt',
    });
  });

  it('leaves out inputs the cache does not hold', () => {
    const sut = imageRequestFor(mcm, KERNEL, resolution.mapping, () => undefined);

    expect(sut.inputVersions).toEqual({});
    expect(sut.imageRepoSecret).toEqual({ name: 'pull', resourceVersion: '' });
  });
});
