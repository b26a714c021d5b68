import { readFileSync } from 'node:fs';
import { ANNOTATIONS, type ManagedClusterModule, type ManifestWork, type Module } from '@kmm-hub/api';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import { describe, expect, it } from 'vitest';
import {
  OCM_MANIFESTS_SIZE_LIMIT,
  goJsonByteLength,
  renderManifestWork,
  type RenderManifestWorkResult,
} from './render-manifestwork.js';
import { RENDER_PROBLEM } from './render-problem.js';
import type { ReadyKernel } from './render-module.js';

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

function digest(char: string): string {
  return `sha256:${char.repeat(64)}`;
}

/**
 * `renderManifestWork` with each ready kernel's mapping resolved against the MCM once, as the planner hands them in.
 * An MCM without a module loader resolves no kernel and renders none.
 */
function renderWithImages(input: {
  mcm: ManagedClusterModule;
  cluster: string;
  images: ReadonlyMap<string, string>;
}): RenderManifestWorkResult {
  const kernels = new Map<string, ReadyKernel>();
  if (input.mcm.spec?.moduleSpec?.moduleLoader !== undefined) {
    for (const [kernel, image] of input.images) {
      const resolution = resolveManagedClusterModuleKernel(input.mcm, kernel);
      if (!resolution.ok) throw new Error(`${kernel}: ${resolution.problem}: ${resolution.reason}`);
      kernels.set(kernel, { image, mapping: resolution.mapping });
    }
  }
  return renderManifestWork({ mcm: input.mcm, cluster: input.cluster, kernels });
}

function rendered(result: RenderManifestWorkResult): ManifestWork {
  if (!result.ok) throw new Error(`${result.problem}: ${result.reason}`);
  return result.manifestWork;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A deep copy whose objects list their keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => reverseKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .toReversed()
      .map(([k, v]) => [k, reverseKeys(v)]),
  ) as T;
}

function newMcm(overrides: { name?: string; spokeNamespace?: string; uid?: string } = {}): ManagedClusterModule {
  return {
    apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
    kind: 'ManagedClusterModule',
    metadata: { name: overrides.name ?? 'gpu-drv', ...(overrides.uid !== undefined && { uid: overrides.uid }) },
    spec: {
      spokeNamespace: overrides.spokeNamespace ?? 'kmm',
      selector: {},
      moduleSpec: {
        selector: {},
        moduleLoader: {
          container: {
            modprobe: { moduleName: 'gpu_drv' },
            containerImage: 'registry.example.com/kmm/gpu-drv:${KERNEL_FULL_VERSION}',
            kernelMappings: [{ regexp: '^5\\.14\\.', containerImage: '' }],
            build: { dockerfileConfigMap: { name: 'dockerfile' } },
          },
        },
      },
    },
  };
}

function hashOf(mcm: ManagedClusterModule, images: ReadonlyMap<string, string>): string {
  const result = renderWithImages({ mcm, cluster: 'edge-1', images });
  if (!result.ok) throw new Error(result.reason);
  return result.specHash;
}

/** The literals of the kernel mappings of the Module a ManifestWork carries. */
function literals(mw: ManifestWork): string[] {
  const module = mw.spec?.workload?.manifests?.[0] as Module | undefined;
  return (module?.spec?.moduleLoader?.container.kernelMappings ?? []).map((m) => m.literal ?? '');
}

const KERNEL = '5.14.0-284.el9.x86_64';
const IMAGES = new Map([[KERNEL, `registry.example.com/kmm/gpu-drv@${digest('a')}`]]);

describe('renderManifestWork', () => {
  describe('golden files', () => {
    it.each([
      // upstream ci/managedclustermodule-kmm-ci-build-sign.yaml: regexp mapping, $MOD_NAMESPACE, build + sign.
      [
        'upstream-ci',
        'mcm-upstream-ci.json',
        'minikube',
        [
          [
            '5.14.0-427.13.1.el9_4.x86_64',
            `host.minikube.internal:5000/kmm-operator-system/mod-example@${digest('a')}`,
          ],
        ],
      ],
      // Three kernels on three mappings, deprecated in-tree fields, container build + sign, a device plugin.
      [
        'gpu-drv',
        'mcm-gpu-drv.json',
        'edge-1',
        [
          ['6.8.0-45-generic', `registry.example.com/kmm/gpu-drv-ubuntu@${digest('c')}`],
          ['5.14.0-503.11.1.el9_5.x86_64', `registry.example.com/kmm/gpu-drv@${digest('b')}`],
          ['6.1.0-13-amd64', `registry.example.com/kmm/gpu-drv-debian@${digest('d')}`],
        ],
      ],
      // No moduleLoader: the Module goes out without kernels.
      ['device-plugin-only', 'mcm-device-plugin-only.json', 'edge-2', []],
    ])('renders %s as in its golden file', (name, input, cluster, images) => {
      const mcm = readFixture<ManagedClusterModule>(input);
      const sut = rendered(renderWithImages({ mcm, cluster, images: new Map(images as [string, string][]) }));
      expect(sut).toEqual(readFixture<ManifestWork>(`manifestwork-${name}.json`));
    });
  });

  it('returns the hash it puts in the spec-hash annotation', () => {
    const result = renderWithImages({ mcm: newMcm(), cluster: 'edge-1', images: IMAGES });
    expect(result.ok && result.manifestWork.metadata.annotations?.[ANNOTATIONS.specHash]).toBe(
      result.ok && result.specHash,
    );
    expect(result.ok && result.specHash).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('spec hash', () => {
    const twoKernels: [string, string][] = [
      ['5.14.0-1.el9.x86_64', `r/m@${digest('1')}`],
      ['5.14.0-2.el9.x86_64', `r/m@${digest('2')}`],
    ];

    it('does not depend on the order kernels are handed in', () => {
      expect(hashOf(newMcm(), new Map(twoKernels))).toBe(hashOf(newMcm(), new Map(twoKernels.toReversed())));
    });

    it('does not depend on the key order of the MCM', () => {
      const mcm = newMcm();
      expect(hashOf(reverseKeys(mcm), IMAGES)).toBe(hashOf(mcm, IMAGES));
    });

    it.each<[string, ManagedClusterModule, ReadonlyMap<string, string>]>([
      ['the image digest', newMcm(), new Map([[KERNEL, `registry.example.com/kmm/gpu-drv@${digest('b')}`]])],
      ['the kernel set', newMcm(), new Map([...IMAGES, ['5.14.0-1.el9.x86_64', `r/m@${digest('1')}`]])],
      ['the owner uid', newMcm({ uid: '1234' }), IMAGES],
      ['the spoke namespace', newMcm({ spokeNamespace: 'other' }), IMAGES],
    ])('changes with %s', (_what, mcm, images) => {
      expect(hashOf(mcm, images)).not.toBe(hashOf(newMcm(), IMAGES));
    });

    it('ignores the build and sign specs, which never reach the spoke', () => {
      const changed = newMcm();
      const container = changed.spec?.moduleSpec?.moduleLoader?.container;
      if (container === undefined) throw new Error('container');
      container.build = { dockerfileConfigMap: { name: 'another' }, buildArgs: [{ name: 'A', value: 'b' }] };
      container.sign = { keySecret: { name: 'k' }, certSecret: { name: 'c' }, filesToSign: ['/opt/x.ko'] };
      expect(hashOf(changed, IMAGES)).toBe(hashOf(newMcm(), IMAGES));
    });
  });

  it('does not modify the MCM, so clusters rendered one after another do not leak into each other', () => {
    const mcm = deepFreeze(readFixture<ManagedClusterModule>('mcm-gpu-drv.json'));
    const first = rendered(
      renderWithImages({
        mcm,
        cluster: 'edge-1',
        images: new Map([['6.1.0-13-amd64', `registry.example.com/kmm/gpu-drv-debian@${digest('d')}`]]),
      }),
    );
    const second = rendered(
      renderWithImages({
        mcm,
        cluster: 'edge-2',
        images: new Map([['6.8.0-45-generic', `registry.example.com/kmm/gpu-drv-ubuntu@${digest('c')}`]]),
      }),
    );
    expect(literals(first)).toEqual(['6.1.0-13-amd64']);
    expect(literals(second)).toEqual(['6.8.0-45-generic']);
  });

  it('returns ManifestWorks that share no objects with each other', () => {
    const mcm = newMcm();
    const a = rendered(renderWithImages({ mcm, cluster: 'edge-1', images: IMAGES }));
    const b = rendered(renderWithImages({ mcm, cluster: 'edge-1', images: IMAGES }));
    a.spec?.manifestConfigs?.[0]?.feedbackRules?.[0]?.jsonPaths?.pop();
    expect(b.spec?.manifestConfigs?.[0]?.feedbackRules?.[0]?.jsonPaths).toHaveLength(9);
  });

  it('omits ownerReferences when the MCM has no uid yet', () => {
    expect(
      rendered(renderWithImages({ mcm: newMcm(), cluster: 'edge-1', images: IMAGES })).metadata.ownerReferences,
    ).toBeUndefined();
  });

  describe('failures', () => {
    it.each<[string, ManagedClusterModule, string, ReadonlyMap<string, string>, string, string]>([
      [
        'no kernel is ready',
        newMcm(),
        'edge-1',
        new Map(),
        RENDER_PROBLEM.NoKernelReady,
        'no kernel of the cluster has a published image yet',
      ],
      [
        'the image is a tag',
        newMcm(),
        'edge-1',
        new Map([[KERNEL, 'registry.example.com/kmm/gpu-drv:5.14.0']]),
        RENDER_PROBLEM.ImageNotPinned,
        `image "registry.example.com/kmm/gpu-drv:5.14.0" for kernel ${KERNEL} is not pinned to a digest (repo@sha256:…)`,
      ],
      [
        'the MCM name is longer than a label value',
        newMcm({ name: 'm'.repeat(64), spokeNamespace: 'k' }),
        'edge-1',
        IMAGES,
        RENDER_PROBLEM.InvalidName,
        `ManagedClusterModule name "${'m'.repeat(64)}" is invalid: must be no more than 63 bytes`,
      ],
      [
        'the cluster is not a DNS label',
        newMcm(),
        'Edge_1',
        IMAGES,
        RENDER_PROBLEM.InvalidName,
        'cluster name (the ManifestWork namespace) "Edge_1" is invalid: a lowercase RFC 1123 label must consist of',
      ],
      [
        'the spoke namespace has a dot',
        newMcm({ spokeNamespace: 'kmm.system' }),
        'edge-1',
        IMAGES,
        RENDER_PROBLEM.InvalidName,
        'spec.spokeNamespace "kmm.system" is invalid: must not contain dots',
      ],
      [
        'name and spoke namespace exceed 41 characters',
        newMcm({ name: 'a'.repeat(21), spokeNamespace: 'b'.repeat(21) }),
        'edge-1',
        IMAGES,
        RENDER_PROBLEM.InvalidName,
        'ManagedClusterModule name and spec.spokeNamespace are 42 characters together, over the 41 the spoke Module webhook accepts',
      ],
    ])('renders nothing when %s', (_name, mcm, cluster, images, problem, reason) => {
      const result = renderWithImages({ mcm, cluster, images });
      expect(result).toMatchObject({ ok: false, problem });
      expect(!result.ok && result.reason).toContain(reason);
    });

    it('accepts a name and spoke namespace of exactly 41 characters', () => {
      const mcm = newMcm({ name: 'a'.repeat(20), spokeNamespace: 'b'.repeat(21) });
      expect(renderWithImages({ mcm, cluster: 'edge-1', images: IMAGES }).ok).toBe(true);
    });

    it('renders nothing when the MCM has no moduleSpec', () => {
      const mcm = newMcm();
      delete mcm.spec?.moduleSpec;
      expect(renderWithImages({ mcm, cluster: 'edge-1', images: IMAGES })).toEqual({
        ok: false,
        problem: RENDER_PROBLEM.MissingModuleSpec,
        reason: 'spec.moduleSpec is not set',
      });
    });

    it.each([
      ['just under', OCM_MANIFESTS_SIZE_LIMIT - 1, true],
      ['exactly at', OCM_MANIFESTS_SIZE_LIMIT, true],
      ['just over', OCM_MANIFESTS_SIZE_LIMIT + 1, false],
    ])('checks the %s 500 KiB manifest limit', (_name, targetSize, ok) => {
      const probe = newMcm();
      const container = probe.spec?.moduleSpec?.moduleLoader?.container;
      if (container === undefined) throw new Error('container');
      container.modprobe.parameters = [''];
      const base = rendered(renderWithImages({ mcm: probe, cluster: 'edge-1', images: IMAGES }));
      const baseSize = Buffer.byteLength(JSON.stringify(base.spec?.workload?.manifests?.[0]), 'utf8');
      container.modprobe.parameters = ['x'.repeat(targetSize - baseSize)];
      const result = renderWithImages({ mcm: probe, cluster: 'edge-1', images: IMAGES });
      expect(result.ok).toBe(ok);
      if (!result.ok) {
        expect(result).toEqual({
          ok: false,
          problem: RENDER_PROBLEM.ManifestsTooLarge,
          reason: `the Module manifest is ${targetSize} bytes, over the 512000-byte limit of OCM ManifestWork manifests`,
        });
      }
    });
  });
});

describe('goJsonByteLength', () => {
  // Expected values are len(json.Marshal(v)) in Go 1.26.
  it.each<[unknown, number]>([
    [{ a: 'b' }, 9],
    [{ a: 'é' }, 10],
    [{ a: '<&>' }, 26],
    [{ a: '\u2028' }, 14],
    [['x', 1, true, null], 17],
  ])('sizes %j as Go does: %i bytes', (value, expected) => {
    expect(goJsonByteLength(value)).toBe(expected);
  });
});
