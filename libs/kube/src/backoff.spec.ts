import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { isLeaseExpired, toMicroTime } from './leader-election.js';

describe('backoffDelay', () => {
  it.each([
    [0, 0],
    [1, 100],
    [2, 200],
    [3, 400],
    [5, 1_000],
    [60, 1_000],
    // An exponent past 2^30 is clamped, so a very long failure streak never overflows to Infinity.
    [10_000, 1_000],
  ])('after %i failures waits %i ms (base 100, cap 1000)', (failures, expected) => {
    expect(backoffDelay(failures, 100, 1_000)).toBe(expected);
  });
});

describe('isLeaseExpired', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  it.each([
    [
      'no holder',
      { holderIdentity: undefined, renewTime: '2026-11-27T11:59:59.000000Z', leaseDurationSeconds: 15 },
      true,
    ],
    [
      'renewed 5 s ago, 15 s lease',
      { holderIdentity: 'a', renewTime: '2026-11-27T11:59:55.000000Z', leaseDurationSeconds: 15 },
      false,
    ],
    [
      'renewed 16 s ago, 15 s lease',
      { holderIdentity: 'a', renewTime: '2026-11-27T11:59:44.000000Z', leaseDurationSeconds: 15 },
      true,
    ],
    ['never renewed', { holderIdentity: 'a', leaseDurationSeconds: 15 }, true],
  ])('%s → %s', (_name, spec, expected) => {
    expect(isLeaseExpired({ spec: spec as never }, now)).toBe(expected);
  });
});

describe('toMicroTime', () => {
  it('writes six fractional digits as metav1.MicroTime requires', () => {
    expect(toMicroTime(new Date('2026-11-27T12:00:00.123Z'))).toBe('2026-11-27T12:00:00.123000Z');
  });
});
