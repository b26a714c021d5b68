import { describe, expect, it } from 'vitest';
import { ImageCheckScheduler, type CheckResult, type CheckTarget } from './image-check-scheduler.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const DIGEST_2 = `sha256:${'b'.repeat(64)}`;
const POLICY = { presentTtlMs: 60_000, absentTtlMs: 15_000, backoffBaseMs: 10_000, backoffMaxMs: 80_000 };

/** A check the test finishes by hand, counting how often the scheduler started it. */
class ManualCheck {
  started = 0;
  readonly #pending: ((r: CheckResult) => void)[] = [];
  readonly run = (): Promise<CheckResult> => {
    this.started++;
    return new Promise((resolve) => this.#pending.push(resolve));
  };
  get running(): number {
    return this.#pending.length;
  }
  /** Ends the oldest running check and lets the scheduler see it. */
  async finish(result: CheckResult): Promise<void> {
    await flush();
    this.#pending.shift()!(result);
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(concurrencyPerRegistry = 4, subscriptionTtlMs?: number) {
  const clock = { now: 1_000_000 };
  const woken: string[][] = [];
  const sut = new ImageCheckScheduler<string>({
    policy: POLICY,
    concurrencyPerRegistry,
    now: () => clock.now,
    onAnswer: (waiters) => woken.push(waiters.toSorted()),
    ...(subscriptionTtlMs !== undefined && { subscriptionTtlMs }),
  });
  return { sut, clock, woken };
}

const target = (check: ManualCheck, image = 'reg.test/gpu:v1', registry = 'reg.test'): CheckTarget => ({
  key: image,
  image,
  registry,
  run: check.run,
});

describe(ImageCheckScheduler.name, () => {
  it('runs one check for every waiter of the same key and wakes them all once', async () => {
    const { sut, woken } = setup();
    const check = new ManualCheck();
    for (const waiter of ['cluster:a/1', 'cluster:a/2', 'cluster:b/1'])
      expect(sut.peek(target(check), waiter)).toEqual({ kind: 'checking' });
    expect(check.started).toBe(1);

    await check.finish({ kind: 'present', digest: DIGEST });
    expect(woken).toEqual([['cluster:a/1', 'cluster:a/2', 'cluster:b/1']]);
    expect(sut.peek(target(check), 'cluster:a/1')).toEqual({ kind: 'present', digest: DIGEST });
    expect(check.started).toBe(1);
  });

  it('counts the lifetime of an answer from the completion of its check, not its start', async () => {
    const { sut, clock } = setup();
    const check = new ManualCheck();
    sut.peek(target(check));
    clock.now += 30_000; // the registry took 30 s to answer
    await check.finish({ kind: 'absent' });

    clock.now += POLICY.absentTtlMs - 1;
    expect(sut.peek(target(check))).toEqual({ kind: 'absent' });
    expect(check.started).toBe(1);
    clock.now += 1;
    expect(sut.peek(target(check))).toEqual({ kind: 'absent' }); // the old answer, while it is refreshed
    expect(check.started).toBe(2);
  });

  it('backs off exponentially after failures in a row, up to the cap, asking nothing meanwhile', async () => {
    const { sut, clock } = setup();
    const check = new ManualCheck();
    const fail = { kind: 'error', message: 'registry reg.test: HEAD manifest gpu:v1: 401 UNAUTHORIZED' } as const;
    const gaps: number[] = [];
    sut.peek(target(check));
    for (let failure = 0; failure < 6; failure++) {
      await check.finish(fail);
      const started = check.started;
      let waited = 0;
      // Ask every second, as the reconcile loop does, until the scheduler asks the registry again.
      while (check.started === started) {
        clock.now += 1_000;
        waited += 1_000;
        expect(sut.peek(target(check), 'w')).toMatchObject({ kind: 'error' });
      }
      gaps.push(waited);
    }
    expect(gaps).toEqual([10_000, 20_000, 40_000, 80_000, 80_000, 80_000]);
  });

  it('reports the failure with the next check in status text, and a success clears it', async () => {
    const { sut, clock } = setup();
    const check = new ManualCheck();
    const fail = { kind: 'error', message: 'registry reg.test: HEAD manifest gpu:v1: 500' } as const;
    sut.peek(target(check));
    await check.finish(fail);
    expect(sut.peek(target(check))).toEqual({
      kind: 'error',
      message: 'registry reg.test failing: HEAD manifest gpu:v1: 500; first failure, next check in 10 s',
    });
    clock.now += 10_000;
    sut.peek(target(check));
    await check.finish(fail);
    expect(sut.peek(target(check))).toMatchObject({
      message: expect.stringContaining('2 failures in a row, next check in 20 s'),
    });
    expect(sut.failing()).toEqual([
      {
        registry: 'reg.test',
        image: 'reg.test/gpu:v1',
        message: expect.stringContaining('500'),
        failuresInARow: 2,
        nextCheckAt: clock.now + 20_000,
      },
    ]);
    clock.now += 20_000;
    sut.peek(target(check));
    await check.finish({ kind: 'present', digest: DIGEST });
    expect(sut.peek(target(check))).toEqual({ kind: 'present', digest: DIGEST });
    expect(sut.failing()).toEqual([]);
    // After the success, a new failure waits the base time again.
    clock.now += POLICY.presentTtlMs;
    sut.peek(target(check));
    await check.finish(fail);
    expect(sut.peek(target(check))).toMatchObject({ message: expect.stringContaining('next check in 10 s') });
  });

  it('wakes the waiters only when a refresh changes the answer', async () => {
    const { sut, clock, woken } = setup();
    const check = new ManualCheck();
    sut.peek(target(check), 'w1');
    await check.finish({ kind: 'present', digest: DIGEST });
    expect(woken).toHaveLength(1);
    clock.now += POLICY.presentTtlMs;
    sut.peek(target(check), 'w1');
    await check.finish({ kind: 'present', digest: DIGEST });
    expect(woken).toHaveLength(1);
    clock.now += POLICY.presentTtlMs;
    sut.peek(target(check), 'w1');
    await check.finish({ kind: 'present', digest: DIGEST_2 }); // the tag moved
    expect(woken).toEqual([['w1'], ['w1']]);
  });

  it('runs at most the limit per registry at a time, and other registries do not wait for a slow one', async () => {
    const { sut } = setup(2);
    const slow = new ManualCheck();
    const other = new ManualCheck();
    for (const tag of ['a', 'b', 'c', 'd']) sut.peek(target(slow, `slow.test/gpu:${tag}`, 'slow.test'));
    await flush();
    expect(slow.running).toBe(2);
    expect(sut.inFlight()).toEqual(new Map([['slow.test', 4]]));

    sut.peek(target(other, 'fast.test/gpu:a', 'fast.test'), 'w');
    await flush();
    expect(other.running).toBe(1);
    await other.finish({ kind: 'present', digest: DIGEST });
    expect(sut.peek(target(other, 'fast.test/gpu:a', 'fast.test'))).toEqual({ kind: 'present', digest: DIGEST });

    await slow.finish({ kind: 'error', message: 'TIMEOUT' });
    expect(slow.started).toBe(3); // the freed slot went to the next queued check
    await slow.finish({ kind: 'error', message: 'TIMEOUT' });
    await slow.finish({ kind: 'error', message: 'TIMEOUT' });
    await slow.finish({ kind: 'error', message: 'TIMEOUT' });
    expect(slow.started).toBe(4);
    expect(sut.inFlight()).toEqual(new Map());
  });

  it('treats a check that throws as a failed check', async () => {
    const { sut } = setup();
    const throwing: CheckTarget = {
      key: 'k',
      image: 'reg.test/gpu:v1',
      registry: 'reg.test',
      run: () => Promise.reject(new Error('socket hang up')),
    };
    sut.peek(throwing);
    await flush();
    expect(sut.peek(throwing)).toMatchObject({ kind: 'error', message: expect.stringContaining('socket hang up') });
  });

  describe('subscriptions (refreshDue)', () => {
    const SUBSCRIPTION = 10 * POLICY.presentTtlMs;

    it('re-checks an expired image once for all its subscribers, waking them only when the tag moved', async () => {
      const { sut, clock, woken } = setup(4, SUBSCRIPTION);
      const check = new ManualCheck();
      for (const w of ['w1', 'w2']) sut.peek(target(check), w);
      await check.finish({ kind: 'present', digest: DIGEST });
      expect(woken).toEqual([['w1', 'w2']]);

      expect(sut.refreshDue()).toBe(0); // not expired yet
      clock.now += POLICY.presentTtlMs;
      expect(sut.refreshDue()).toBe(1);
      expect(sut.refreshDue()).toBe(0); // one check in flight, not two
      await check.finish({ kind: 'present', digest: DIGEST });
      expect(woken).toHaveLength(1); // same digest: nobody woken, nobody plans

      clock.now += POLICY.presentTtlMs;
      sut.refreshDue();
      await check.finish({ kind: 'present', digest: DIGEST_2 }); // the tag moved
      expect(woken).toEqual([
        ['w1', 'w2'],
        ['w1', 'w2'],
      ]);
      expect(check.started).toBe(3);
      // The new answer is served without another check.
      expect(sut.peek(target(check), 'w1')).toEqual({ kind: 'present', digest: DIGEST_2 });
      expect(check.started).toBe(3);
    });

    it('checks nothing for an image without subscribers, or without subscriptions configured', async () => {
      for (const ttl of [undefined, SUBSCRIPTION]) {
        const { sut, clock } = setup(4, ttl);
        const check = new ManualCheck();
        sut.peek(target(check)); // no waiter
        await check.finish({ kind: 'present', digest: DIGEST });
        const other = new ManualCheck();
        sut.peek(target(other, 'reg.test/nic:v1'), 'w1');
        await other.finish({ kind: 'present', digest: DIGEST });
        clock.now += POLICY.presentTtlMs;
        expect(sut.refreshDue()).toBe(ttl === undefined ? 0 : 1);
        expect(check.started).toBe(1);
      }
    });

    it('drops a subscriber that has not looked within the subscription time', async () => {
      const { sut, clock } = setup(4, SUBSCRIPTION);
      const check = new ManualCheck();
      sut.peek(target(check), 'w1');
      await check.finish({ kind: 'present', digest: DIGEST });
      clock.now += SUBSCRIPTION + 1;
      expect(sut.refreshDue()).toBe(0);
      expect(check.started).toBe(1);
    });

    it('keeps the subscribers of a pushed image and wakes them with the answer of the next check', async () => {
      const { sut, woken } = setup(4, SUBSCRIPTION);
      const check = new ManualCheck();
      sut.peek(target(check), 'w1');
      await check.finish({ kind: 'absent' });
      expect(woken).toEqual([['w1']]);
      sut.invalidate('reg.test/gpu:v1');
      expect(sut.refreshDue()).toBe(1); // no answer any more: asked at once
      await check.finish({ kind: 'present', digest: DIGEST });
      expect(woken).toEqual([['w1'], ['w1']]);
    });
  });

  it('forgets an image after a push, discards the answer of a check that started before it, and wakes its waiters', async () => {
    const { sut, woken } = setup();
    const check = new ManualCheck();
    sut.peek(target(check));
    await check.finish({ kind: 'absent' });
    sut.invalidate('reg.test/gpu:v1');
    expect(sut.peek(target(check), 'w1')).toEqual({ kind: 'checking' });
    expect(check.started).toBe(2);

    sut.invalidate('reg.test/gpu:v1'); // pushed again while that check runs
    await check.finish({ kind: 'absent' });
    expect(woken).toEqual([['w1']]);
    expect(sut.peek(target(check), 'w1')).toEqual({ kind: 'checking' });
    expect(check.started).toBe(3);
    await check.finish({ kind: 'present', digest: DIGEST });
    expect(sut.peek(target(check))).toEqual({ kind: 'present', digest: DIGEST });
  });

  it('keeps at most maxEntries keys, dropping expired ones first', async () => {
    const clock = { now: 0 };
    const sut = new ImageCheckScheduler<string>({
      policy: POLICY,
      concurrencyPerRegistry: 10,
      now: () => clock.now,
      onAnswer: () => undefined,
      maxEntries: 2,
    });
    const check = new ManualCheck();
    sut.peek(target(check, 'r/a:1'));
    await check.finish({ kind: 'absent' });
    clock.now += POLICY.absentTtlMs;
    sut.peek(target(check, 'r/b:1'));
    await check.finish({ kind: 'present', digest: DIGEST });
    sut.peek(target(check, 'r/c:1')); // a:1 has expired and goes
    await check.finish({ kind: 'present', digest: DIGEST });
    expect(sut.peek(target(check, 'r/b:1'))).toEqual({ kind: 'present', digest: DIGEST });
    expect(check.started).toBe(3);
    expect(sut.peek(target(check, 'r/a:1'))).toEqual({ kind: 'checking' });
  });
});
