import { describe, expect, it } from 'vitest';
import { holdsFor } from './wait.js';

describe('holdsFor', () => {
  it('returns false at the first poll where the probe no longer holds, without waiting out the period', async () => {
    let calls = 0;
    const started = Date.now();
    expect(await holdsFor(() => ++calls < 3, { durationMs: 60_000, intervalMs: 1 })).toBe(false);
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('returns true when the probe held for the whole period, probing at its end too', async () => {
    const probes: number[] = [];
    const started = Date.now();
    expect(await holdsFor(async () => probes.push(Date.now()) > 0, { durationMs: 50, intervalMs: 10 })).toBe(true);
    expect(probes.length).toBeGreaterThan(1);
    expect(probes.at(-1)! - started).toBeGreaterThanOrEqual(50);
  });
});
