import {
  LIMITS,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  newManagedClusterModule,
  newModuleSpec,
  type ManagedClusterModule,
} from '@kmm-hub/api';
import { resolveManagedClusterModuleKernel } from '@kmm-hub/kernel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OCM_MANIFESTS_SIZE_LIMIT, goJsonByteLength, renderManifestWork } from './render-manifestwork.js';
import type { ReadyKernel } from './render-module.js';
import { RENDER_PROBLEM } from './render-problem.js';

// For any valid-ish MCM, cluster and set of ready kernels, renderManifestWork returns a ManifestWork that the API
// server, OCM's hub webhook, the work agent and the spoke's Module webhook all accept, or refuses with a reason;
// it never throws and never returns something over a limit.

const ETCD_OBJECT_LIMIT = 1.5 * 1024 * 1024;

/** The drawn ready kernels that resolve against the MCM, resolved once, as the planner hands them in. */
function resolvedKernels(mcm: ManagedClusterModule, ready: Record<string, string>): Map<string, ReadyKernel> {
  const kernels = new Map<string, ReadyKernel>();
  for (const [kernel, image] of Object.entries(ready)) {
    const resolution = resolveManagedClusterModuleKernel(mcm, kernel);
    if (resolution.ok) kernels.set(kernel, { image, mapping: resolution.mapping });
  }
  return kernels;
}

/** Names around every limit: valid, too long, not DNS, upper case, dotted, empty. */
const name = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/), weight: 12 },
  fc.constantFrom(
    '',
    'gpu.driver',
    'Gpu',
    '-x',
    'x-',
    'a_b',
    'a'.repeat(63),
    'a'.repeat(64),
    `${'a'.repeat(30)}.${'b'.repeat(40)}`,
  ),
  fc.nat(260).map((n) => 'm'.repeat(n)),
);
const kernel = fc.constantFrom(
  '5.14.0-427.13.1.el9_4.x86_64',
  '6.8.0-49-generic',
  '6.1.0-28-amd64',
  '6.6.31+rpt-rpi-v8',
  '4.1',
);
const image = fc.constantFrom(
  `registry.example/kmm/driver@sha256:${'a'.repeat(64)}`,
  'registry.example/kmm/driver:6.1.0-28-amd64',
  `r.example/${'p'.repeat(200)}@sha256:${'b'.repeat(64)}`,
);
/** Free text that goes into the Module verbatim, sized from nothing to well past the 500 KiB manifest limit. */
const bulk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.constantFrom('a', '<', 'é', '\u2028', '&'), fc.integer({ min: 100_000, max: 600_000 }))
    .map(([c, n]) => c.repeat(n)),
);

const mcm: fc.Arbitrary<ManagedClusterModule> = fc
  .record({
    name,
    spokeNamespace: name,
    regexps: fc.array(fc.constantFrom('^.+$', '^.+$', '^6\\.', 'el9', '(', ''), { minLength: 0, maxLength: 3 }),
    text: bulk,
    withLoader: fc.boolean(),
    uid: fc.option(fc.uuid()),
  })
  .map(({ name: n, spokeNamespace, regexps, text, withLoader, uid }) => {
    const moduleSpec = newModuleSpec();
    const container = moduleSpec.moduleLoader.container;
    container.kernelMappings = regexps.map((regexp) => ({
      regexp,
      containerImage: 'registry.example/kmm/driver:${KERNEL_FULL_VERSION}',
    }));
    container.modprobe.moduleName = text;
    if (!withLoader) delete (moduleSpec as { moduleLoader?: unknown }).moduleLoader;
    return newManagedClusterModule({
      metadata: { name: n, ...(uid !== null && { uid }) },
      spec: { spokeNamespace, selector: {}, moduleSpec },
    });
  });

describe('renderManifestWork (properties)', () => {
  it('renders within every name and size limit, or refuses with a reason; never throws', () => {
    const problems = new Set<string>(Object.values(RENDER_PROBLEM));
    fc.assert(
      fc.property(mcm, name, fc.dictionary(kernel, image, { maxKeys: 4 }), (m, cluster, ready) => {
        const result = renderManifestWork({ mcm: m, cluster, kernels: resolvedKernels(m, ready) });
        if (!result.ok) {
          expect(problems).toContain(result.problem);
          expect(result.reason).not.toBe('');
          return;
        }
        const mw = result.manifestWork;
        const mwName = mw.metadata?.name ?? '';
        expect(checkDns1123Subdomain(mwName)).toEqual([]);
        expect(mwName.length).toBeLessThanOrEqual(LIMITS.manifestWorkName);
        expect(checkDns1123Label(mw.metadata?.namespace ?? '')).toEqual([]);
        for (const value of Object.values(mw.metadata?.labels ?? {})) expect(checkLabelValue(value)).toEqual([]);
        const manifests = mw.spec?.workload?.manifests ?? [];
        expect(manifests.reduce((n, manifest) => n + goJsonByteLength(manifest), 0)).toBeLessThanOrEqual(
          OCM_MANIFESTS_SIZE_LIMIT,
        );
        for (const manifest of manifests) {
          const meta = (manifest as unknown as { metadata: { name: string; namespace: string } }).metadata;
          expect(checkDns1123Label(meta.namespace)).toEqual([]);
          expect(meta.name.length + meta.namespace.length).toBeLessThanOrEqual(LIMITS.moduleNameAndNamespace);
        }
        expect(goJsonByteLength(mw)).toBeLessThan(ETCD_OBJECT_LIMIT);
      }),
      { numRuns: 400 },
    );
  });

  it('has generators that reach both sides of every limit checked above', () => {
    // A fixed seed: whether 400 random draws happen to hit each outcome must not decide a run (it did not, once).
    const seen = new Map<string, number>();
    const draws = fc.sample(fc.tuple(mcm, name, fc.dictionary(kernel, image, { maxKeys: 4 })), {
      numRuns: 400,
      seed: 20261205,
    });
    for (const [m, cluster, ready] of draws) {
      const result = renderManifestWork({ mcm: m, cluster, kernels: resolvedKernels(m, ready) });
      const outcome = result.ok ? 'rendered' : result.problem;
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    }
    for (const outcome of ['rendered', RENDER_PROBLEM.InvalidName, RENDER_PROBLEM.ManifestsTooLarge]) {
      expect(seen.get(outcome), JSON.stringify([...seen])).toBeGreaterThan(0);
    }
  });
});
