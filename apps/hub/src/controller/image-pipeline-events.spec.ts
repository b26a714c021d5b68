import { describe, expect, it } from 'vitest';
import type { ImageSettled } from '../images/image-pipeline.js';
import { imageAttemptFailedEvent, imageSettledEvent } from './image-pipeline-events.js';

const base = { jobId: 'j1', image: 'registry.test/gpu:6.1', kernel: '6.1', attempts: 3 };

describe('imageSettledEvent', () => {
  it.each<[string, ImageSettled, ReturnType<typeof imageSettledEvent>]>([
    [
      'a failed job',
      { ...base, state: 'failed', lastError: 'no space left' },
      {
        type: 'Warning',
        reason: 'ImageJobFailed',
        message: 'registry.test/gpu:6.1 for kernel 6.1 failed after 3 attempts: no space left',
      },
    ],
    [
      'a pushed image',
      { ...base, state: 'succeeded', digest: 'sha256:ab' },
      { type: 'Normal', reason: 'ImageReady', message: 'registry.test/gpu:6.1 for kernel 6.1 pushed as sha256:ab' },
    ],
    [
      'a pushed image without a digest',
      { ...base, state: 'succeeded' },
      { type: 'Normal', reason: 'ImageReady', message: 'registry.test/gpu:6.1 for kernel 6.1 pushed' },
    ],
    [
      'an image someone else made, used as it is',
      { ...base, state: 'succeeded', use: 'kept', note: 'the tag was pushed by someone else' },
      { type: 'Warning', reason: 'ImageUsedAsIs', message: 'kernel 6.1: the tag was pushed by someone else' },
    ],
    [
      "the hub's own image replaced",
      { ...base, state: 'succeeded', use: 'replaced', note: 'inputs changed' },
      { type: 'Warning', reason: 'ImageReplaced', message: 'kernel 6.1: inputs changed' },
    ],
  ])('%s', (_, settled, expected) => {
    expect(imageSettledEvent(settled)).toEqual(expected);
  });
});

describe('imageAttemptFailedEvent', () => {
  it('names the image, kernel, attempt and error', () => {
    expect(imageAttemptFailedEvent({ ...base, attempts: 2, error: 'timeout' })).toEqual({
      type: 'Warning',
      reason: 'ImageJobAttemptFailed',
      message: 'registry.test/gpu:6.1 for kernel 6.1, attempt 2: timeout',
    });
  });
});
