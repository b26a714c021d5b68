import { describe, expect, it } from 'vitest';
import { describeImageProgress, isPermanentFailure, type JobSnapshot } from './describe-image-progress.js';

const JOB_ID = 'f'.repeat(64);

function job(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return { state: 'waiting', attemptsMade: 0, maxAttempts: 5, ...overrides };
}

const RESULT = {
  image: 'r/x:1',
  kernel: '6.1.0',
  target: 'r/x:1',
  digest: `sha256:${'a'.repeat(64)}`,
  pushed: true,
  final: true,
};

describe('describeImageProgress', () => {
  const cases: [string, Parameters<typeof describeImageProgress>[0], object][] = [
    ['a waiting build', { jobId: JOB_ID, build: job() }, { state: 'queued', attempts: 0 }],
    [
      'a running build with progress',
      {
        jobId: JOB_ID,
        build: job({ state: 'active', progress: { stage: 'build', percent: 40 } }),
        sign: job({ state: 'delayed' }),
      },
      { state: 'building', stage: 'build', percent: 40 },
    ],
    [
      'a build waiting for its retry',
      { jobId: JOB_ID, build: job({ state: 'delayed', attemptsMade: 2, failedReason: 'registry 503' }) },
      { state: 'queued', attempts: 2, lastError: 'registry 503' },
    ],
    [
      'a build that gave up on bad input',
      {
        jobId: JOB_ID,
        build: job({ state: 'failed', attemptsMade: 1, failedReason: 'ConfigMap x not found' }),
        sign: job({ state: 'delayed' }),
      },
      { state: 'failed', attempts: 1, lastError: 'ConfigMap x not found', permanent: true },
    ],
    [
      'a build that used all its attempts',
      { jobId: JOB_ID, build: job({ state: 'failed', attemptsMade: 5, failedReason: 'timeout' }) },
      { state: 'failed', attempts: 5, permanent: false },
    ],
    [
      'a finished build without sign',
      { jobId: JOB_ID, build: job({ state: 'completed', attemptsMade: 1, returnvalue: RESULT }) },
      { state: 'succeeded', digest: RESULT.digest },
    ],
    [
      'a finished build whose sign waits',
      {
        jobId: JOB_ID,
        build: job({ state: 'completed', returnvalue: { ...RESULT, final: false } }),
        sign: job({ state: 'waiting' }),
      },
      { state: 'signing', attempts: 0 },
    ],
    [
      'a running sign',
      {
        jobId: JOB_ID,
        build: job({ state: 'completed' }),
        sign: job({ state: 'active', progress: { stage: 'push', percent: 80 } }),
      },
      { state: 'signing', stage: 'push', percent: 80 },
    ],
    [
      'a signed image',
      {
        jobId: JOB_ID,
        build: job({ state: 'completed' }),
        sign: job({ state: 'completed', attemptsMade: 1, returnvalue: RESULT, failedReason: 'old' }),
      },
      { state: 'succeeded', digest: RESULT.digest, attempts: 1 },
    ],
    ['a sign-only job waiting', { jobId: JOB_ID, sign: job() }, { state: 'queued' }],
    [
      'a build Redis lost',
      { jobId: JOB_ID, build: null, sign: job({ state: 'delayed' }) },
      { state: 'queued', attempts: 0 },
    ],
  ];
  it.each(cases)('describes %s', (_, snapshot, expected) => {
    const sut = describeImageProgress(snapshot);
    expect(sut).toMatchObject({ jobId: JOB_ID, ...expected });
  });

  it('keeps no error on success and no stage while queued', () => {
    expect(
      describeImageProgress({
        jobId: JOB_ID,
        build: job({ state: 'completed', failedReason: 'old', returnvalue: RESULT }),
      }).lastError,
    ).toBeUndefined();
    expect(
      describeImageProgress({ jobId: JOB_ID, build: job({ progress: { stage: 'build', percent: 10 } }) }).stage,
    ).toBeUndefined();
  });
});

describe('isPermanentFailure', () => {
  it.each([
    [job({ state: 'failed', attemptsMade: 1 }), true],
    [job({ state: 'failed', attemptsMade: 5 }), false],
    [job({ state: 'active', attemptsMade: 1 }), false],
  ])('is %s → %s', (snapshot, expected) => {
    expect(isPermanentFailure(snapshot)).toBe(expected);
  });
});
