import { describe, expect, it } from 'vitest';
import { statusNeedsWrite, statusWriteIntervalMs } from './status-needs-write.js';

const upcoming = [{ kernel: '6.1.0-28-amd64', state: 'Ready' as const, image: 'r/m:6.1.0-28-amd64' }];

describe(statusNeedsWrite.name, () => {
  it.each([
    ['nothing stored yet', { numberAvailable: 1 }, undefined, true],
    ['the same status', { numberAvailable: 1 }, { numberAvailable: 1 }, false],
    ['the same status, keys in another order', { a: 1, numberAvailable: 1 }, { numberAvailable: 1, a: 1 }, false],
    ['a changed count', { numberAvailable: 2 }, { numberAvailable: 1 }, true],
    ['a field the controller no longer sets', { numberAvailable: 1 }, { numberAvailable: 1, numberDesired: 3 }, true],
    [
      'upcomingKernels written by its own reconciler',
      { numberAvailable: 1 },
      { numberAvailable: 1, upcomingKernels: upcoming },
      false,
    ],
    [
      'upcomingKernels and a changed count',
      { numberAvailable: 2 },
      { numberAvailable: 1, upcomingKernels: upcoming },
      true,
    ],
  ])('%s: %s', (_name, computed, stored, expected) => {
    expect(statusNeedsWrite(computed as never, stored as never)).toBe(expected);
  });
});

describe('statusWriteIntervalMs', () => {
  it.each([
    [0, 1_000, 1_000],
    [300, 1_000, 1_000],
    [2_000, 1_000, 1_000],
    [5_000, 1_000, 2_500],
    [10_000, 1_000, 5_000],
    [10_000, 8_000, 8_000],
  ])('%i clusters selected, at least %i ms: %i ms', (clusters, minimum, expected) => {
    expect(statusWriteIntervalMs(clusters, minimum)).toBe(expected);
  });
});
