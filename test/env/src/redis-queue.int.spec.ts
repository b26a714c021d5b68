import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

const env = inject('env');

describe('BullMQ on the environment Redis', () => {
  const prefix = `proof-${Date.now()}`;
  const conns: Redis[] = [];
  const open = () => {
    const c = new Redis(env.redis.url, { maxRetriesPerRequest: null });
    conns.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.quit()));
  });

  it('round-trips a job, and a second add with the same job id is a no-op', async () => {
    const queue = new Queue('build', { connection: open(), prefix });
    const events = new QueueEvents('build', { connection: open(), prefix });
    await events.waitUntilReady();
    const worker = new Worker('build', async (job) => ({ echoed: job.data.kernel, attempt: job.attemptsMade }), {
      connection: open(),
      prefix,
    });
    const job = await queue.add('build', { kernel: '6.1.0-56-amd64' }, { jobId: 'sha256-abc' });
    const again = await queue.add('build', { kernel: 'other' }, { jobId: 'sha256-abc' });
    expect(again.id).toBe(job.id);
    const result = await job.waitUntilFinished(events, 20_000);
    expect(result).toEqual({ echoed: '6.1.0-56-amd64', attempt: 0 });
    const counts = await queue.getJobCounts('completed', 'waiting', 'active');
    expect(counts).toEqual({ completed: 1, waiting: 0, active: 0 });
    // The job lives in the real server under our prefix.
    const keys = await open().keys(`${prefix}:build:*`);
    expect(keys.length).toBeGreaterThan(0);
    await worker.close();
    await events.close();
    await queue.close();
  });
});
