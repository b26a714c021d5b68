import { describe, expect, it } from 'vitest';
import { RESOURCES, newManagedClusterModule, newModuleSpec, type PreflightValidation } from '@kmm-hub/api';
import {
  describeJobFailure,
  parseUpcomingKernels,
  planPreflight,
  planUpcomingKernels,
  preflightEntry,
  preflightKernels,
  type KernelImageOutlook,
} from './plan-kernel-images.js';

const RHEL = '5.14.0-427.13.1.el9_4.x86_64';
const UBUNTU = '6.8.0-49-generic';
const DEBIAN = '6.1.0-28-amd64';

function pfv(spec: NonNullable<PreflightValidation['spec']>): PreflightValidation {
  return {
    apiVersion: RESOURCES.PreflightValidation.apiVersion,
    kind: 'PreflightValidation',
    metadata: { name: 'next' },
    spec,
  };
}

/** Maps RHEL kernels to one image and Ubuntu kernels to another; Debian matches nothing. */
function mcm(name: string, labels: Record<string, string> = {}) {
  const base = newModuleSpec();
  return newManagedClusterModule({
    metadata: { name, labels },
    spec: {
      moduleSpec: newModuleSpec({
        moduleLoader: {
          container: {
            ...base.moduleLoader.container,
            kernelMappings: [
              { regexp: '\\.el9_\\d+\\.x86_64$', containerImage: 'reg.test/rhel/$MOD_NAME:$KERNEL_FULL_VERSION' },
              { literal: UBUNTU, containerImage: 'reg.test/ubuntu/$MOD_NAME:$KERNEL_VERSION' },
            ],
          },
        },
      }),
    },
  });
}

describe('preflightKernels', () => {
  it.each<[string, NonNullable<PreflightValidation['spec']>, string[]]>([
    ['upstream kernelVersion alone', { kernelVersion: RHEL }, [RHEL]],
    [
      'kernelVersion first, then the list',
      { kernelVersion: UBUNTU, kernelVersions: [RHEL, DEBIAN] },
      [UBUNTU, RHEL, DEBIAN],
    ],
    ['a trailing + removed, as the spokes report it', { kernelVersions: [`${DEBIAN}+`, DEBIAN] }, [DEBIAN]],
    ['blanks and surrounding spaces dropped', { kernelVersions: [` ${UBUNTU} `] }, [UBUNTU]],
  ])('%s', (_, spec, expected) => {
    expect(preflightKernels(pfv(spec))).toEqual(expected);
  });
});

describe('planPreflight', () => {
  it('pairs every selected MCM with every kernel and resolves each mapping', () => {
    const plan = planPreflight(pfv({ kernelVersions: [RHEL, `${UBUNTU}+`, DEBIAN] }), [mcm('b'), mcm('a')]);
    if (!plan.ok) throw new Error(plan.reason);
    expect(
      plan.items.map((i) => [
        i.mcm.metadata.name,
        i.kernel,
        i.resolution.ok ? i.resolution.mapping.containerImage : i.resolution.problem,
      ]),
    ).toEqual([
      ['a', RHEL, `reg.test/rhel/a:${RHEL}`],
      ['a', UBUNTU, 'reg.test/ubuntu/a:6.8.0-49-generic'],
      ['a', DEBIAN, 'NoMatchingKernelMapping'],
      ['b', RHEL, `reg.test/rhel/b:${RHEL}`],
      ['b', UBUNTU, 'reg.test/ubuntu/b:6.8.0-49-generic'],
      ['b', DEBIAN, 'NoMatchingKernelMapping'],
    ]);
  });

  it('keeps only the MCMs the selector names, and none being deleted', () => {
    const deleting = mcm('gone', { tier: 'gpu' });
    deleting.metadata.deletionTimestamp = new Date(0);
    const plan = planPreflight(
      pfv({
        kernelVersion: DEBIAN,
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gpu'] }] },
      }),
      [mcm('gpu', { tier: 'gpu' }), mcm('nic', { tier: 'nic' }), deleting],
    );
    expect(plan.ok && plan.items.map((i) => i.mcm.metadata.name)).toEqual(['gpu']);
  });

  it.each<[string, NonNullable<PreflightValidation['spec']>, string]>([
    ['no kernel', {}, 'spec.kernelVersion: set spec.kernelVersion or spec.kernelVersions'],
    [
      'a blank kernel',
      { kernelVersions: [' '] },
      'spec.kernelVersions[0]: must be a kernel release such as 6.8.0-49-generic, got " "',
    ],
    [
      'a kernel with a space',
      { kernelVersion: '6.8.0 49' },
      'spec.kernelVersion: "6.8.0 49" contains whitespace; a kernel release (uname -r) has none',
    ],
    [
      'a kernel twice',
      { kernelVersions: [DEBIAN, `${DEBIAN}+`] },
      `spec.kernelVersions[1]: "${DEBIAN}+" is listed twice (first at spec.kernelVersions[0])`,
    ],
    [
      'the single kernel again in the list',
      { kernelVersion: RHEL, kernelVersions: [RHEL] },
      `spec.kernelVersions[0]: "${RHEL}" repeats spec.kernelVersion`,
    ],
    [
      'In without values',
      { kernelVersion: RHEL, selector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } },
      'spec.selector.matchExpressions[0].values',
    ],
  ])('refuses %s with the field path and the value', (_, spec, reason) => {
    const plan = planPreflight(pfv(spec), [mcm('a')]);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toContain(reason);
  });
});

describe('planUpcomingKernels', () => {
  it('takes the MCM list first, then the hub-wide one, without repeats', () => {
    const m = mcm('a');
    m.spec.upcomingKernels = [UBUNTU, `${RHEL}+`];
    expect(planUpcomingKernels(m, [RHEL, DEBIAN]).map((i) => [i.kernel, i.resolution.ok])).toEqual([
      [UBUNTU, true],
      [RHEL, true],
      [DEBIAN, false],
    ]);
  });
});

describe('parseUpcomingKernels', () => {
  it('reads one kernel a line, with comments, blank lines, CRLF and a trailing +', () => {
    expect(parseUpcomingKernels(`# next wave\n${RHEL}\r\n\n${UBUNTU}+  # canary\n${UBUNTU}\n`)).toEqual([RHEL, UBUNTU]);
    expect(parseUpcomingKernels(undefined)).toEqual([]);
  });
});

describe('preflightEntry', () => {
  const item = { mcm: mcm('a'), kernel: RHEL };
  const image = `reg.test/rhel/a:${RHEL}`;
  it.each<[KernelImageOutlook, string, string, string]>([
    [{ state: 'Ready', image, digest: 'sha256:1' }, 'Success', 'Done', `image ${image} is in its registry as sha256:1`],
    [{ state: 'Checking', image }, 'InProgress', 'Image', `checking image ${image} in its registry`],
    [{ state: 'Building', image }, 'InProgress', 'Build', `building image ${image}`],
    [{ state: 'Signing', image }, 'InProgress', 'Sign', `signing image ${image}`],
    [{ state: 'Missing', image, message: 'not there' }, 'Failure', 'Done', 'not there'],
    [{ state: 'Unmapped', message: 'no kernel mapping' }, 'Failure', 'Done', 'no kernel mapping'],
    [{ state: 'Failed', image, message: 'HEAD 500', checkFailed: true }, 'Failure', 'Image', 'HEAD 500'],
    [{ state: 'Failed', image, message: 'build failed' }, 'Failure', 'Done', 'build failed'],
  ])('maps %o to %s at stage %s', (outlook, status, stage, reason) => {
    expect(preflightEntry(item, outlook, undefined, '2026-12-05T00:00:00Z')).toMatchObject({
      name: 'a',
      namespace: 'kmm-operator-system',
      kernelVersion: RHEL,
      verificationStatus: status,
      verificationStage: stage,
      statusReason: reason,
      lastTransitionTime: '2026-12-05T00:00:00Z',
    });
  });

  it('keeps lastTransitionTime while status and stage stay, and moves it when they change', () => {
    const first = preflightEntry(item, { state: 'Building', image }, undefined, '2026-12-05T00:00:00Z');
    expect(preflightEntry(item, { state: 'Building', image }, first, '2026-12-05T00:01:00Z').lastTransitionTime).toBe(
      '2026-12-05T00:00:00Z',
    );
    expect(preflightEntry(item, { state: 'Signing', image }, first, '2026-12-05T00:01:00Z').lastTransitionTime).toBe(
      '2026-12-05T00:01:00Z',
    );
  });
});

describe('describeJobFailure', () => {
  it('names the image and the error and keeps only the last log lines', () => {
    const logs = Array.from({ length: 20 }, (_, i) => `step ${i}`);
    const text = describeJobFailure('reg.test/a:1', 'buildah exited 1', logs);
    expect(text).toBe(
      `building or signing reg.test/a:1 failed: buildah exited 1; last log lines:\n${logs.slice(-8).join('\n')}`,
    );
  });

  it('bounds a huge log', () => {
    expect(describeJobFailure('i', 'e', ['x'.repeat(10_000)]).length).toBe(2_000);
  });
});
