import { backoffDelay } from './backoff.js';

export interface WorkQueueOptions<K> {
  /** At most this many keys are processed at once; one key is never processed twice at the same time. */
  concurrency: number;
  handler: (key: K) => Promise<{ requeueAfterMs?: number } | void>;
  backoff?: { baseMs: number; maxMs: number };
  /** Told about each failure with the delay before the key is retried. */
  onError?: (key: K, error: unknown, retryInMs: number) => void;
}

/**
 * A keyed work queue like client-go's: adding a key that is already waiting coalesces; a key added while it is
 * being processed runs once more afterwards; failures retry that key alone with exponential backoff, so one bad
 * key never blocks the others; a successful run's requeue replaces the ones asked for before it. Its maps hold only keys that are waiting, running or failing, so they shrink back.
 */
export class WorkQueue<K extends string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: WorkQueueOptions<K>) {}

  add(key: K): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.queue.push(key);
    this.pump();
  }

  /**
   * Adds the key after a delay; an earlier pending delay for the same key wins, until the key runs: a successful
   * run's answer replaces every delay set before it (see `process`).
   */
  addAfter(key: K, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const existing = this.timers.get(key);
    if (existing) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys waiting, running or waiting for a retry timer. */
  get pending(): number {
    return this.dirty.size + this.processing.size + this.timers.size;
  }

  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves when nothing is queued or running (retry timers may still be pending). */
  async idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.opts.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.dirty.delete(key);
      this.processing.add(key);
      this.active++;
      void this.process(key);
    }
    if (this.queue.length === 0 && this.active === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async process(key: K): Promise<void> {
    try {
      const result = await this.opts.handler(key);
      this.failures.delete(key);
      // The run saw the latest state, so its answer is the key's next run: a delay an earlier run asked for (a pair
      // planned while its image was being checked, re-checked in 30 s, then woken and settled) is dropped. client-go
      // keeps the earliest, which planned every such pair once more for nothing after a fan-out.
      const earlier = this.timers.get(key);
      if (earlier) {
        clearTimeout(earlier);
        this.timers.delete(key);
      }
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 500, maxMs: 5 * 60_000 };
      const retryInMs = backoffDelay(n, baseMs, maxMs);
      this.opts.onError?.(key, error, retryInMs);
      this.addAfter(key, retryInMs);
    } finally {
      this.processing.delete(key);
      this.active--;
      // Added while it ran: it is dirty but was not queued, so queue it now.
      if (this.dirty.has(key)) this.queue.push(key);
      this.pump();
    }
  }
}
