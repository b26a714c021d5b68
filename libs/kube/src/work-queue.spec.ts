import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './work-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(WorkQueue.name, () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces a key added several times while it waits', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const sut = new WorkQueue<string>({
      concurrency: 1,
      handler: async (k) => {
        seen.push(k);
        if (k === 'first') await gate.promise;
      },
    });
    sut.add('first');
    sut.add('a');
    sut.add('a');
    sut.add('a');
    gate.resolve();
    await sut.idle();
    expect(seen).toEqual(['first', 'a']);
  });

  it('runs a key added while it is processing once more afterwards, never concurrently with itself', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gate = deferred();
    const sut = new WorkQueue<string>({
      concurrency: 4,
      handler: async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate.promise;
        running--;
      },
    });
    sut.add('k');
    await Promise.resolve();
    sut.add('k');
    sut.add('k');
    gate.resolve();
    await sut.idle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency across keys', async () => {
    let running = 0;
    let maxRunning = 0;
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const sut = new WorkQueue<string>({
      concurrency: 2,
      handler: async (k) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const g = deferred();
        gates.set(k, g);
        await g.promise;
        running--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd']) sut.add(k);
    await Promise.resolve();
    expect(gates.size).toBe(2);
    for (let i = 0; i < 4; i++) {
      await vi.waitFor(() => expect(gates.size).toBeGreaterThan(i));
      gates.get([...gates.keys()][i]!)!.resolve();
    }
    await sut.idle();
    expect(maxRunning).toBe(2);
  });

  it('retries a failing key alone with growing delays while other keys proceed', async () => {
    const calls: Record<string, number[]> = { bad: [], good: [] };
    const errors: number[] = [];
    const sut = new WorkQueue<string>({
      concurrency: 1,
      backoff: { baseMs: 100, maxMs: 1_000 },
      handler: async (k) => {
        calls[k]!.push(Date.now());
        if (k === 'bad') throw new Error('cluster unreachable');
      },
      onError: (_k, _e, retryInMs) => errors.push(retryInMs),
    });
    sut.add('bad');
    sut.add('good');
    await sut.idle();
    expect(calls.good).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 1000);
    expect(errors).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(sut.failureCount('bad')).toBe(6);
    sut.stop();
  });

  it('forgets the failure count after a success', async () => {
    let fail = true;
    const sut = new WorkQueue<string>({
      concurrency: 1,
      backoff: { baseMs: 10, maxMs: 100 },
      handler: async () => {
        if (fail) throw new Error('transient');
      },
    });
    sut.add('k');
    await sut.idle();
    expect(sut.failureCount('k')).toBe(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(10);
    await sut.idle();
    expect(sut.failureCount('k')).toBe(0);
    expect(sut.pending).toBe(0);
  });

  /** A queue whose handler answers its n-th run with the n-th delay (undefined: no requeue), counting runs. */
  function asking(...delays: (number | undefined)[]) {
    const counter = { runs: 0 };
    const sut = new WorkQueue<string>({
      concurrency: 1,
      handler: async () => {
        const ms = delays[counter.runs++];
        return ms === undefined ? undefined : { requeueAfterMs: ms };
      },
    });
    return { sut, counter };
  }

  it('requeues after the delay a handler asks for', async () => {
    const { sut, counter } = asking(5_000);
    sut.add('k');
    await sut.idle();
    expect(counter.runs).toBe(1);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(counter.runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await sut.idle();
    expect(counter.runs).toBe(2);
  });

  it('lets the latest run of a key decide its next one: an earlier requeue is dropped', async () => {
    // A pair planned while its image was being checked asked to be looked at again in 30 s; the check landed and
    // woke it, and that run, now settled, asks for 1 h: the 30 s timer must not plan it once more.
    const { sut, counter } = asking(30_000, 3_600_000);
    sut.add('k');
    await sut.idle();
    await vi.advanceTimersByTimeAsync(1_000);
    sut.add('k');
    await sut.idle();
    expect(counter.runs).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counter.runs).toBe(2);
    expect(sut.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    await sut.idle();
    expect(counter.runs).toBe(3);
  });

  it('drops an earlier requeue when the latest run asks for none', async () => {
    const { sut, counter } = asking(5_000, undefined);
    sut.add('k');
    await sut.idle();
    sut.add('k');
    await sut.idle();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counter.runs).toBe(2);
    expect(sut.pending).toBe(0);
  });
});
