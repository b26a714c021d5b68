import type { KernelMapping, ManagedClusterModule, ModuleLoaderContainerSpec, Module } from '@kmm-hub/api';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import { describe, expect, it } from 'vitest';
import { RENDER_PROBLEM } from './render-problem.js';
import { isPinnedImage, renderModule, type ReadyKernel, type RenderModuleResult } from './render-module.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function newMcm(container: Partial<ModuleLoaderContainerSpec>): ManagedClusterModule {
  return {
    apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
    kind: 'ManagedClusterModule',
    metadata: { name: 'gpu-drv' },
    spec: {
      spokeNamespace: 'kmm',
      selector: {},
      moduleSpec: {
        selector: { 'node-role.kubernetes.io/worker': '' },
        moduleLoader: {
          container: {
            modprobe: { moduleName: 'gpu_drv' },
            kernelMappings: [{ regexp: '.', containerImage: 'r/m:${KERNEL_FULL_VERSION}' }],
            ...container,
          },
        },
      },
    },
  };
}

/** Ready kernels as the planner hands them in: each kernel's mapping resolved against the MCM once. */
function ready(mcm: ManagedClusterModule, images: ReadonlyMap<string, string>): Map<string, ReadyKernel> {
  return new Map(
    [...images].map(([kernel, image]) => {
      const resolution = resolveManagedClusterModuleKernel(mcm, kernel);
      if (!resolution.ok) throw new Error(`${kernel}: ${resolution.problem}: ${resolution.reason}`);
      return [kernel, { image, mapping: resolution.mapping }];
    }),
  );
}

/** `renderModule` with `images` resolved against the MCM. */
function render(mcm: ManagedClusterModule, images: ReadonlyMap<string, string>): RenderModuleResult {
  return renderModule({ mcm, kernels: ready(mcm, images) });
}

function module(result: RenderModuleResult): Module {
  if (!result.ok) throw new Error(`${result.problem}: ${result.reason}`);
  return result.module;
}

function containerOf(result: RenderModuleResult): ModuleLoaderContainerSpec {
  const container = module(result).spec?.moduleLoader?.container;
  if (container === undefined) throw new Error('no container');
  return container;
}

describe('isPinnedImage', () => {
  it.each([
    [`registry.example.com/kmm/gpu@${DIGEST}`, true],
    [`host:5000/ns/img@${DIGEST}`, true],
    [`registry.example.com/kmm/gpu:5.14@${DIGEST}`, true],
    [`r/m@sha512:${'ab'.repeat(64)}`, true],
    ['r/m@sha256:abc', false],
    [`r/m@sha256:${'A'.repeat(64)}`, false],
    [`r/m@sha512:${'ab'.repeat(32)}`, false],
    ['r/m@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8', true],
    ['registry.example.com/kmm/gpu:5.14', false],
    ['host:5000/img', false],
    [`@${DIGEST}`, false],
    [`r/m@${DIGEST} `, false],
  ])('says %j is pinned: %s', (image, expected) => {
    expect(isPinnedImage(image)).toBe(expected);
  });
});

describe('renderModule', () => {
  const images = new Map([['5.14.0-284.el9.x86_64', `r/m@${DIGEST}`]]);

  it('names the Module after the MCM in the spoke namespace, with no labels', () => {
    expect(module(render(newMcm({}), images)).metadata).toEqual({ name: 'gpu-drv', namespace: 'kmm' });
  });

  it('removes build, sign and the container in-tree fields, and keeps the rest', () => {
    const sut = containerOf(
      render(
        newMcm({
          build: { dockerfileConfigMap: { name: 'd' } },
          sign: { keySecret: { name: 'k' }, certSecret: { name: 'c' } },
          inTreeModulesToRemove: ['nouveau'],
          containerImage: 'r/default:${KERNEL_XYZ}',
          imagePullPolicy: 'Always',
          version: '1.0',
          registryTLS: { insecure: true },
        }),
        images,
      ),
    );
    expect(sut).toEqual({
      modprobe: { moduleName: 'gpu_drv' },
      containerImage: 'r/default:${KERNEL_XYZ}',
      imagePullPolicy: 'Always',
      version: '1.0',
      registryTLS: { insecure: true },
      kernelMappings: [
        { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}`, inTreeModulesToRemove: ['nouveau'] },
      ],
    });
  });

  it.each<[string, Partial<ModuleLoaderContainerSpec>, KernelMapping]>([
    ['a plain mapping', {}, { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}` }],
    [
      'the mapping registryTLS, but not the container one',
      {
        registryTLS: { insecureSkipTLSVerify: true },
        kernelMappings: [{ regexp: '.', containerImage: 'r/m:1', registryTLS: { insecure: true } }],
      },
      { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}`, registryTLS: { insecure: true } },
    ],
    [
      'the deprecated container field as a list',
      { inTreeModuleToRemove: 'nouveau' },
      { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}`, inTreeModulesToRemove: ['nouveau'] },
    ],
    [
      'the mapping in-tree list over the container one',
      {
        inTreeModulesToRemove: ['a'],
        kernelMappings: [{ regexp: '.', containerImage: 'r/m:1', inTreeModulesToRemove: ['b', 'c'] }],
      },
      { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}`, inTreeModulesToRemove: ['b', 'c'] },
    ],
    [
      'no build or sign of the mapping',
      {
        kernelMappings: [
          {
            regexp: '.',
            containerImage: 'r/m:1',
            build: { dockerfileConfigMap: { name: 'd' } },
            sign: { keySecret: { name: 'k' }, certSecret: { name: 'c' } },
          },
        ],
      },
      { literal: '5.14.0-284.el9.x86_64', containerImage: `r/m@${DIGEST}` },
    ],
  ])('writes a literal mapping with %s', (_name, container, expected) => {
    expect(containerOf(render(newMcm(container), images)).kernelMappings).toEqual([expected]);
  });

  it('sorts the literal mappings by kernel', () => {
    const many = new Map([
      ['6.1.0-13-amd64', `r/b@${DIGEST}`],
      ['5.14.0-284.el9.x86_64', `r/a@${DIGEST}`],
      ['6.1.0-13-AMD64', `r/c@${DIGEST}`],
    ]);
    expect(containerOf(render(newMcm({}), many)).kernelMappings.map((m) => m.literal)).toEqual([
      '5.14.0-284.el9.x86_64',
      '6.1.0-13-AMD64',
      '6.1.0-13-amd64',
    ]);
  });

  it('sends a Module without moduleLoader as it is, whatever the images', () => {
    const kernels = ready(newMcm({}), images);
    const mcm = newMcm({});
    const moduleSpec = mcm.spec?.moduleSpec;
    if (moduleSpec === undefined) throw new Error('moduleSpec');
    delete moduleSpec.moduleLoader;
    moduleSpec.devicePlugin = { container: { image: 'dp:1' } };
    for (const given of [new Map<string, ReadyKernel>(), kernels]) {
      expect(module(renderModule({ mcm, kernels: given })).spec).toEqual({
        selector: { 'node-role.kubernetes.io/worker': '' },
        devicePlugin: { container: { image: 'dp:1' } },
      });
    }
  });

  it('needs a ready kernel when there is a moduleLoader', () => {
    expect(renderModule({ mcm: newMcm({}), kernels: new Map() })).toMatchObject({
      ok: false,
      problem: RENDER_PROBLEM.NoKernelReady,
    });
  });
});
