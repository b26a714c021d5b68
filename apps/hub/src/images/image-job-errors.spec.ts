import { KubeApiError } from '@kmm-hub/kube';
import { KmodSignError, KmodSignErrorCode } from '@kmm-hub/kmod-sign';
import { RegistryError } from '@kmm-hub/oci';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BuildFailedError,
  ImageInputError,
  ImageRefusedError,
  SupersededError,
  describeError,
  isPermanentError,
  toJobFailure,
} from './image-job-errors.js';

const zodError = z.object({ a: z.string() }).safeParse({}).error;

describe('isPermanentError', () => {
  it.each([
    ['bad input', new ImageInputError('Secret x not found'), true],
    ['a refusal', new ImageRefusedError('denied'), true],
    ['a superseded job', new SupersededError('changed'), true],
    ['a signing error', new KmodSignError(KmodSignErrorCode.KeyCertificateMismatch, 'mismatch'), true],
    ['a malformed payload', zodError, true],
    ['a registry 401', new RegistryError({ registry: 'r', operation: 'HEAD', status: 401 }), true],
    ['a registry 503', new RegistryError({ registry: 'r', operation: 'HEAD', status: 503 }), false],
    [
      'a network failure',
      new RegistryError({ registry: 'r', operation: 'HEAD', code: 'NETWORK', transient: true }),
      false,
    ],
    ['an API server 403', new KubeApiError(403, 'Forbidden', 'no'), true],
    ['an API server 500', new KubeApiError(500, 'InternalError', 'etcd'), false],
    ['a failed build', new BuildFailedError('buildah build exited with 1', ['line']), false],
    ['anything else', new Error('ECONNRESET'), false],
  ])('classifies %s', (_, error, permanent) => {
    expect(isPermanentError(error)).toBe(permanent);
    const failure = toJobFailure(error);
    expect(failure instanceof UnrecoverableError).toBe(permanent);
    expect(failure.message).toContain((error as Error).message.split('\n')[0]);
  });
});

describe('describeError', () => {
  it('joins the messages of causes', () => {
    const error = new ImageInputError('sign /x.ko', {
      cause: new KmodSignError(KmodSignErrorCode.InvalidKey, 'read signing key', { cause: new Error('unsupported') }),
    });
    expect(describeError(error)).toBe('sign /x.ko: read signing key: unsupported');
  });

  it('keeps the log tail of a failed build', () => {
    expect(describeError(new BuildFailedError('buildah build exited with 1', ['a', 'b']))).toBe(
      'buildah build exited with 1; last log lines:\na\nb',
    );
  });

  it('bounds the message', () => {
    expect(describeError(new Error('x'.repeat(10_000))).length).toBe(4000);
  });
});
