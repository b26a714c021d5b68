import { describe, expect, it } from 'vitest';
import { assembleBuilds, buildSortKey, filterBuilds, type QueuedJob } from './list-builds.js';

const tls = { insecure: true, insecureSkipTLSVerify: false };
const version = (name: string) => ({ name, resourceVersion: '1' });

function buildJob(id: string, over: Partial<QueuedJob> = {}, data: Record<string, unknown> = {}): QueuedJob {
  return {
    queue: 'build',
    id,
    state: 'waiting',
    attemptsMade: 0,
    maxAttempts: 3,
    timestamp: 1_000,
    data: {
      mcm: 'gpu',
      image: 'r/gpu:k1',
      target: 'r/gpu:k1',
      kernel: 'k1',
      moduleName: 'gpu',
      moduleNamespace: 'kmm',
      dockerfile: version('df'),
      buildArgs: [],
      secrets: [],
      baseImageRegistryTLS: tls,
      registryTLS: tls,
      ...data,
    },
    ...over,
  };
}

function signJob(id: string, buildJobId: string | undefined, over: Partial<QueuedJob> = {}): QueuedJob {
  return {
    queue: 'sign',
    id,
    state: 'delayed',
    attemptsMade: 0,
    maxAttempts: 3,
    timestamp: 2_000,
    data: {
      mcm: 'nic',
      image: 'r/nic:k2',
      kernel: 'k2',
      unsignedImage: 'r/nic:k2-unsigned',
      unsignedImageRegistryTLS: tls,
      registryTLS: tls,
      ...(buildJobId && { buildJobId }),
      keySecret: version('key'),
      certSecret: version('cert'),
      filesToSign: ['/opt/x.ko'],
      hash: 'sha256',
      platform: 'linux/amd64',
    },
    ...over,
  };
}

describe('assembleBuilds', () => {
  it('joins a sign job with the build it waits for, and keeps a lone build on its own', () => {
    const builds = assembleBuilds([
      buildJob(
        'b1',
        { state: 'active', progress: { stage: 'build', percent: 30 }, attemptsMade: 1 },
        { signJobId: 's1' },
      ),
      signJob('s1', 'b1'),
      buildJob('b2', { state: 'failed', failedReason: 'boom', attemptsMade: 3, finishedOn: 5_000 }),
    ]);
    expect(builds).toEqual([
      {
        id: 's1',
        module: 'nic',
        image: 'r/nic:k2',
        kernel: 'k2',
        state: 'building',
        attempts: 1,
        stage: 'build',
        percent: 30,
        createdAt: new Date(1_000).toISOString(),
        steps: [
          { queue: 'build', jobId: 'b1', state: 'active', attempts: 1 },
          { queue: 'sign', jobId: 's1', state: 'delayed', attempts: 0 },
        ],
      },
      {
        id: 'b2',
        module: 'gpu',
        image: 'r/gpu:k1',
        kernel: 'k1',
        state: 'failed',
        attempts: 3,
        lastError: 'boom',
        permanent: false,
        createdAt: new Date(1_000).toISOString(),
        finishedAt: new Date(5_000).toISOString(),
        steps: [{ queue: 'build', jobId: 'b2', state: 'failed', attempts: 3 }],
      },
    ]);
  });

  it('skips jobs whose data is not ours', () => {
    expect(assembleBuilds([buildJob('x', {}, { image: 42 }), { ...signJob('y', undefined), data: null }])).toEqual([]);
  });

  it('reports a finished build with its digest', () => {
    const [done] = assembleBuilds([
      buildJob('b', {
        state: 'completed',
        finishedOn: 9_000,
        returnvalue: {
          image: 'r/gpu:k1',
          kernel: 'k1',
          target: 'r/gpu:k1',
          digest: 'sha256:ab',
          pushed: true,
          final: true,
        },
      }),
    ]);
    expect(done).toMatchObject({ state: 'succeeded', digest: 'sha256:ab', finishedAt: new Date(9_000).toISOString() });
  });
});

const images = (m: string) => (m === 'gpu' ? new Set(['r/shared:k1 k1']) : undefined);

describe('filterBuilds', () => {
  const builds = assembleBuilds([buildJob('b1'), buildJob('b2', {}, { mcm: 'other', image: 'r/shared:k1' })]);

  it.each([
    [{}, ['b1', 'b2']],
    [{ module: 'gpu' }, ['b1', 'b2']],
    [{ module: 'other' }, ['b2']],
    [{ module: 'none' }, []],
    [{ kernel: 'k1' }, ['b1', 'b2']],
    [{ kernel: 'k9' }, []],
    [{ state: 'queued' as const }, ['b1', 'b2']],
    [{ state: 'failed' as const }, []],
  ])('filter %j keeps %j', (filter, ids) => {
    expect(filterBuilds(builds, filter, images).map((b) => b.id)).toEqual(ids);
  });
});

describe('buildSortKey', () => {
  it('sorts newer builds first', () => {
    const older = buildSortKey({ createdAt: '2026-01-01T00:00:00Z', id: 'a' });
    const newer = buildSortKey({ createdAt: '2026-06-01T00:00:00Z', id: 'a' });
    expect(newer < older).toBe(true);
  });
});
