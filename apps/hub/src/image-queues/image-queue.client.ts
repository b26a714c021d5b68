// The one adapter to BullMQ (and through it Redis) of the hub: the `build` and `sign` queues, their event streams
// and workers. Connections are BullMQ's own (from REDIS_URL), opened lazily and closed at shutdown.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { backoffDelay } from '@kmm-hub/kube';
import {
  type ConnectionOptions,
  type Job,
  type JobsOptions,
  Queue,
  QueueEvents,
  QueueEventsProducer,
  Worker,
} from 'bullmq';
import { IMAGES_OPTIONS, type ImagesOptions } from './images.options.js';
import { ATTEMPT_FAILED_EVENT, type JobName, type QueueName } from './jobs.js';

/** The data of a job as stored; processors parse it before use. */
export type StoredJob = Job<unknown, unknown, string>;
export type JobProcessor = (job: StoredJob, token: string, signal: AbortSignal) => Promise<unknown>;

export interface AttemptFailedEvent {
  jobId: string;
  attempts: number;
  error: string;
}

/** Backoff type of our jobs: exponential with the configured base, capped. */
const CAPPED_EXPONENTIAL = 'capped-exponential';
const REDIS_READY_TIMEOUT_MS = 15_000;
/** The same Redis error (a reconnect loop during an outage) is logged at most this often. */
const REPEATED_ERROR_LOG_MS = 60_000;

@Injectable()
export class ImageQueueClient implements OnApplicationShutdown {
  readonly #options: ImagesOptions;
  readonly #queues = new Map<QueueName, Queue>();
  readonly #events = new Map<QueueName, QueueEvents>();
  readonly #producers = new Map<QueueName, QueueEventsProducer>();
  readonly #workers: Worker[] = [];
  /** Aborted when the workers close, so processors stop (kill buildah, stop watching a Job) and leave the job. */
  readonly #shutdown = new AbortController();
  #lastError: { message: string; at: number } | undefined;

  constructor(
    @Inject(IMAGES_OPTIONS) options: ImagesOptions,
    @InjectPinoLogger(ImageQueueClient.name) private readonly logger: PinoLogger,
  ) {
    this.#options = options;
  }

  queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.#connection(), prefix: this.#options.queuePrefix });
      this.#reportErrors(`queue ${name}`, queue);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** The queue's event stream, read from now on (events before the first call are not replayed). */
  events(name: QueueName): QueueEvents {
    let events = this.#events.get(name);
    if (events === undefined) {
      events = new QueueEvents(name, { connection: this.#connection(), prefix: this.#options.queuePrefix });
      this.#reportErrors(`events of ${name}`, events);
      this.#events.set(name, events);
    }
    return events;
  }

  async getJob(name: QueueName, jobId: string): Promise<StoredJob | undefined> {
    return (await this.queue(name).getJob(jobId)) as StoredJob | undefined;
  }

  /** Adds a job unless one with this id exists (then nothing changes); returns the stored job. */
  async add(name: QueueName, jobName: JobName, jobId: string, data: object, delayMs = 0): Promise<StoredJob> {
    const options: JobsOptions = {
      jobId,
      attempts: this.#options.attempts,
      backoff: { type: CAPPED_EXPONENTIAL, delay: this.#options.backoffMs },
      removeOnComplete: { age: this.#options.keepCompletedS },
      removeOnFail: { age: this.#options.keepFailedS },
      keepLogs: this.#options.logLines,
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    };
    await this.queue(name).add(jobName, data, options);
    const stored = await this.getJob(name, jobId);
    if (stored === undefined) throw new Error(`job ${jobId} vanished from queue ${name} right after being added`);
    return stored;
  }

  async logs(name: QueueName, jobId: string): Promise<string[]> {
    const { logs } = await this.queue(name).getJobLogs(jobId, 0, -1, true);
    return logs;
  }

  async publishAttemptFailed(name: QueueName, event: AttemptFailedEvent): Promise<void> {
    let producer = this.#producers.get(name);
    if (producer === undefined) {
      producer = new QueueEventsProducer(name, { connection: this.#connection(), prefix: this.#options.queuePrefix });
      this.#reportErrors(`event producer of ${name}`, producer);
      this.#producers.set(name, producer);
    }
    await producer.publishEvent({
      eventName: ATTEMPT_FAILED_EVENT,
      jobId: event.jobId,
      attempts: String(event.attempts),
      error: event.error,
    });
  }

  /** Starts a worker: exponential backoff with a cap, lock renewal, stalled-job recovery by any worker. */
  startWorker(name: QueueName, processor: JobProcessor, concurrency: number): Worker {
    const { backoffMs, backoffMaxMs, lockMs } = this.#options;
    const shutdown = this.#shutdown.signal;
    const run = (job: StoredJob, token: string | undefined, signal: AbortSignal | undefined) =>
      processor(job, token ?? '', signal !== undefined ? AbortSignal.any([signal, shutdown]) : shutdown);
    const worker = new Worker(name, (job, token, signal) => run(job, token, signal), {
      connection: this.#connection(),
      prefix: this.#options.queuePrefix,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job whose worker died is taken over this many times before it fails.
      maxStalledCount: 3,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) =>
          type === CAPPED_EXPONENTIAL ? backoffDelay(attemptsMade, backoffMs, backoffMaxMs) : backoffMs,
      },
    });
    this.#reportErrors(`worker of ${name}`, worker);
    this.#workers.push(worker);
    return worker;
  }

  /** Resolves once Redis answers; fails start-up with the host (never the password) when it does not. */
  async waitUntilReady(names: readonly QueueName[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis at ${redactedUrl(this.#options.redisUrl)} did not answer within 15 s`)),
        REDIS_READY_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([Promise.all(names.map((n) => this.queue(n).waitUntilReady())), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops taking jobs, then stops the processors still running. Their jobs stay active without a lock renewal and
   * are taken over by another worker once the lock expires; nothing is marked failed for a shutdown.
   */
  async closeWorkers(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w.close(true)));
    this.#shutdown.abort(new Error('the worker is shutting down'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeWorkers();
    const closing = [...this.#events.values(), ...this.#producers.values(), ...this.#queues.values()];
    this.#events.clear();
    this.#producers.clear();
    this.#queues.clear();
    await Promise.all(closing.map((c) => c.close()));
  }

  /**
   * Connection errors go to our log, once per distinct error and minute: without a listener BullMQ writes every
   * reconnect attempt's stack to stderr, unstructured, for as long as Redis is away.
   */
  #reportErrors(source: string, emitter: { on(event: 'error', listener: (error: Error) => void): unknown }): void {
    emitter.on('error', (error: Error) => {
      const now = Date.now();
      const last = this.#lastError;
      if (last !== undefined && last.message === error.message && now - last.at < REPEATED_ERROR_LOG_MS) return;
      this.#lastError = { message: error.message, at: now };
      this.logger.warn(
        { redis: redactedUrl(this.#options.redisUrl), source, err: error.message },
        'Redis connection error; BullMQ reconnects by itself',
      );
    });
  }

  #connection(): ConnectionOptions {
    return { url: this.#options.redisUrl, maxRetriesPerRequest: null };
  }
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'REDIS_URL';
  }
}
