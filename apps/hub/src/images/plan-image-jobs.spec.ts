import { describe, expect, it } from 'vitest';
import type { ImageRequest } from './image-pipeline.js';
import { canonicalJson, planImageJobs, unsignedTag, type PlanImageJobsOptions } from './plan-image-jobs.js';

const OPTIONS: PlanImageJobsOptions = { hash: 'sha256', platform: 'linux/amd64', toolkitImages: {} };
const KERNEL = '6.1.0-56-amd64';

function newRequest(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    mcm: 'gpu-driver',
    moduleName: 'gpu-driver',
    moduleNamespace: 'kmm-operator',
    kernel: KERNEL,
    image: `registry.example:5000/drivers/gpu:${KERNEL}`,
    build: {
      dockerfileConfigMap: { name: 'gpu-dockerfile' },
      buildArgs: [{ name: 'DRIVER_VERSION', value: '1.2.3' }],
      secrets: [{ name: 'token' }],
    },
    sign: {
      keySecret: { name: 'signing-key' },
      certSecret: { name: 'signing-cert' },
      filesToSign: [`/opt/lib/modules/${KERNEL}/gpu.ko`],
    },
    registryTLS: { insecure: true },
    imageRepoSecret: { name: 'pull-secret', resourceVersion: '11' },
    inputVersions: {
      'ConfigMap/gpu-dockerfile': '100',
      'Secret/token': '101',
      'Secret/signing-key': '102',
      'Secret/signing-cert': '103',
    },
    ...overrides,
  };
}

function plan(req: ImageRequest, options = OPTIONS) {
  const result = planImageJobs(req, options);
  if (!result.ok) throw new Error(`plan failed: ${result.reason}`);
  return result;
}

describe('planImageJobs', () => {
  it('plans a build into an unsigned tag and a sign of that tag into the final image', () => {
    const sut = plan(newRequest());
    expect(sut.jobId).toBe(sut.sign?.id);
    expect(sut.build?.data.target).toBe(unsignedTag(newRequest().image, sut.build?.id ?? ''));
    expect(sut.build?.data.target).toMatch(/^registry\.example:5000\/drivers\/gpu:kmm-unsigned-[0-9a-f]{32}$/);
    expect(sut.build?.data.signJobId).toBe(sut.sign?.id);
    expect(sut.sign?.data).toMatchObject({
      image: newRequest().image,
      unsignedImage: sut.build?.data.target,
      buildJobId: sut.build?.id,
      keySecret: { name: 'signing-key', resourceVersion: '102' },
      certSecret: { name: 'signing-cert', resourceVersion: '103' },
      hash: 'sha256',
    });
  });

  it('forces the kernel and module build args over user args of the same name', () => {
    const sut = plan(
      newRequest({
        build: {
          dockerfileConfigMap: { name: 'gpu-dockerfile' },
          buildArgs: [
            { name: 'KERNEL_VERSION', value: 'wrong' },
            { name: 'DRIVER_VERSION', value: '1.2.3' },
          ],
        },
      }),
    );
    expect(sut.build?.data.buildArgs).toEqual([
      { name: 'DRIVER_VERSION', value: '1.2.3' },
      { name: 'KERNEL_VERSION', value: KERNEL },
      { name: 'KERNEL_FULL_VERSION', value: KERNEL },
      { name: 'MOD_NAME', value: 'gpu-driver' },
      { name: 'MOD_NAMESPACE', value: 'kmm-operator' },
    ]);
  });

  it('adds DTK_AUTO only for a kernel that has a toolkit image', () => {
    const toolkitImages = { [KERNEL]: 'registry.example/dtk:6.1' };
    const withToolkit = plan(newRequest(), { ...OPTIONS, toolkitImages });
    const otherKernel = plan(newRequest({ kernel: '6.1.0-57-amd64' }), { ...OPTIONS, toolkitImages });
    expect(withToolkit.build?.data.buildArgs.at(-1)).toEqual({ name: 'DTK_AUTO', value: 'registry.example/dtk:6.1' });
    expect(otherKernel.build?.data.buildArgs.map((a) => a.name)).not.toContain('DTK_AUTO');
  });

  it('gives the same ids to requests from different ManagedClusterModules with the same inputs', () => {
    const a = plan(newRequest({ mcm: 'first' }));
    const b = plan(newRequest({ mcm: 'second' }));
    expect(b.build?.id).toBe(a.build?.id);
    expect(b.sign?.id).toBe(a.sign?.id);
  });

  it('ignores the order of build secrets and filesToSign', () => {
    const a = plan(newRequest());
    const b = plan(
      newRequest({
        build: { ...newRequest().build!, secrets: [{ name: 'token' }, { name: 'token' }] },
        sign: {
          ...newRequest().sign!,
          filesToSign: [...newRequest().sign!.filesToSign!, ...newRequest().sign!.filesToSign!],
        },
      }),
    );
    expect(b.jobId).toBe(a.jobId);
  });

  const base = newRequest();
  const buildChanges: [string, Partial<ImageRequest>][] = [
    ['the kernel', { kernel: '6.1.0-57-amd64' }],
    ['the image', { image: 'registry.example:5000/drivers/gpu:other' }],
    [
      'the Dockerfile ConfigMap version',
      { inputVersions: { ...base.inputVersions, 'ConfigMap/gpu-dockerfile': '200' } },
    ],
    ['a build arg', { build: { ...base.build!, buildArgs: [{ name: 'DRIVER_VERSION', value: '1.2.4' }] } }],
    ['a build secret version', { inputVersions: { ...base.inputVersions, 'Secret/token': '201' } }],
    ['the build secret names', { build: { ...base.build!, secrets: [{ name: 'token' }, { name: 'other' }] } }],
    ['the base image TLS flags', { build: { ...base.build!, baseImageRegistryTLS: { insecureSkipTLSVerify: true } } }],
    ['the imageRepoSecret version', { imageRepoSecret: { name: 'pull-secret', resourceVersion: '12' } }],
    ['the module namespace', { moduleNamespace: 'other' }],
  ];
  it.each(buildChanges)('starts a new build and a new sign when %s changes', (_, change) => {
    const before = plan(base);
    const after = plan({ ...base, ...change });
    expect(after.build?.id).not.toBe(before.build?.id);
    expect(after.sign?.id).not.toBe(before.sign?.id);
  });

  const signChanges: [string, Partial<ImageRequest>][] = [
    ['the key Secret version', { inputVersions: { ...base.inputVersions, 'Secret/signing-key': '300' } }],
    ['the cert Secret version', { inputVersions: { ...base.inputVersions, 'Secret/signing-cert': '301' } }],
    ['filesToSign', { sign: { ...base.sign!, filesToSign: ['/opt/lib/modules/*/other.ko'] } }],
    ['the key Secret name', { sign: { ...base.sign!, keySecret: { name: 'other-key' } } }],
  ];
  it.each(signChanges)('keeps the build and starts a new sign when %s changes', (_, change) => {
    const before = plan(base);
    const after = plan({ ...base, ...change });
    expect(after.build?.id).toBe(before.build?.id);
    expect(after.sign?.id).not.toBe(before.sign?.id);
  });

  it('starts a new sign when the hash algorithm changes', () => {
    expect(plan(base, { ...OPTIONS, hash: 'sha512' }).sign?.id).not.toBe(plan(base).sign?.id);
  });

  it('plans a sign-only request on the unsigned image', () => {
    const { build: _build, ...rest } = base;
    const sut = plan({
      ...rest,
      sign: {
        ...base.sign!,
        unsignedImage: 'registry.example:5000/drivers/gpu-unsigned:1',
        unsignedImageRegistryTLS: { insecure: true },
      },
    });
    expect(sut.build).toBeUndefined();
    expect(sut.sign?.data).toMatchObject({
      unsignedImage: 'registry.example:5000/drivers/gpu-unsigned:1',
      unsignedImageRegistryTLS: { insecure: true, insecureSkipTLSVerify: false },
    });
    expect(sut.sign?.data.buildJobId).toBeUndefined();
  });

  it('plans a build-only request that pushes the final image', () => {
    const { sign: _sign, ...rest } = base;
    const sut = plan(rest);
    expect(sut.jobId).toBe(sut.build?.id);
    expect(sut.build?.data.target).toBe(base.image);
    expect(sut.build?.data.signJobId).toBeUndefined();
  });

  it('defaults filesToSign to every module under the kernel directory of dirName', () => {
    const sut = plan({ ...base, dirName: '/firmware/', sign: { ...base.sign!, filesToSign: [] } });
    expect(sut.sign?.data.filesToSign).toEqual([`/firmware/lib/modules/${KERNEL}/**/*.ko`]);
  });

  it('treats an input without a resourceVersion as absent', () => {
    const sut = plan({ ...base, inputVersions: {} });
    expect(sut.build?.data.dockerfile).toEqual({ name: 'gpu-dockerfile', resourceVersion: '' });
  });

  const invalid: [string, Partial<ImageRequest>, RegExp][] = [
    ['neither build nor sign', { build: undefined, sign: undefined }, /neither build nor sign/],
    ['sign without build or unsignedImage', { build: undefined }, /unsignedImage is required/],
    ['an image without a tag', { image: 'registry.example/drivers/gpu@sha256:' + 'a'.repeat(64) }, /must name a tag/],
    ['an invalid image', { image: 'Registry Example/x' }, /invalid image reference/],
    ['an empty Dockerfile ConfigMap name', { build: { dockerfileConfigMap: {} } }, /dockerfileConfigMap.name is empty/],
    ['an empty key Secret name', { sign: { keySecret: {}, certSecret: { name: 'c' } } }, /keySecret.name is empty/],
    ['a kernel that is not a version', { kernel: 'banana' }, /./],
  ];
  it.each(invalid)('refuses %s with a reason and a stable id', (_, change, reason) => {
    const first = planImageJobs({ ...base, ...change }, OPTIONS);
    const second = planImageJobs({ ...base, ...change, mcm: 'other' }, OPTIONS);
    expect(first.ok).toBe(false);
    if (first.ok || second.ok) return;
    expect(first.reason).toMatch(reason);
    expect(second.jobId).toBe(first.jobId);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"z":1}]},"b":1}',
    );
  });
});
