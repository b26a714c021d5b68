// Runs the processors as BullMQ workers in this process (roles `all` and `worker`). Start-up fails when a job name
// has no processor or Redis does not answer; at shutdown the workers stop taking jobs, and a job still running is
// taken over by another worker once its lock expires.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { BuildProcessor } from './build.processor.js';
import { ImageJobProcessor } from './image-job.processor.js';
import { ImageQueueClient, type StoredJob } from '../image-queues/image-queue.client.js';
import { IMAGES_OPTIONS, type ImagesOptions } from '../image-queues/images.options.js';
import { JOB_QUEUE, type JobName, type QueueName } from '../image-queues/jobs.js';
import { SignProcessor } from './sign.processor.js';

@Injectable()
export class ImageWorkersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #processors: readonly ImageJobProcessor[];

  constructor(
    private readonly queues: ImageQueueClient,
    build: BuildProcessor,
    sign: SignProcessor,
    @Inject(IMAGES_OPTIONS) private readonly options: ImagesOptions,
    @InjectPinoLogger(ImageWorkersService.name) private readonly logger: PinoLogger,
  ) {
    this.#processors = [build, sign];
  }

  async onApplicationBootstrap(): Promise<void> {
    const byQueue = processorsByQueue(this.#processors);
    await this.queues.waitUntilReady([...byQueue.keys()]);
    for (const [queue, processors] of byQueue) {
      const worker = this.queues.startWorker(
        queue,
        (job, token, signal) => dispatch(processors, job, token, signal),
        this.options.concurrency[queue],
      );
      worker.on('failed', (job, error) => void this.#onFailed(queue, job, error));
      worker.on('completed', (job) =>
        this.logger.info({ queue, jobId: job.id, attempts: job.attemptsMade }, 'image job completed'),
      );
      this.logger.info({ queue, concurrency: this.options.concurrency[queue] }, 'image worker started');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queues.closeWorkers();
  }

  async #onFailed(queue: QueueName, job: StoredJob | undefined, error: Error): Promise<void> {
    if (job === undefined) return;
    const attempts = job.attemptsMade;
    const retrying = !(error instanceof UnrecoverableError) && attempts < (job.opts.attempts ?? 1);
    const fields = { queue, jobId: job.id, attempts, error: error.message };
    if (!retrying) {
      this.logger.error(fields, 'image job failed');
      return;
    }
    this.logger.warn(fields, 'image job attempt failed; retrying');
    try {
      await this.queues.publishAttemptFailed(queue, { jobId: job.id ?? '', attempts, error: error.message });
    } catch (publishError) {
      this.logger.warn({ queue, jobId: job.id, err: publishError }, 'could not publish a failed attempt');
    }
  }
}

/** Every job name must have exactly one processor on its queue. */
export function processorsByQueue(processors: readonly ImageJobProcessor[]): Map<QueueName, ImageJobProcessor[]> {
  const byQueue = new Map<QueueName, ImageJobProcessor[]>();
  const problems: string[] = [];
  for (const [jobName, queue] of Object.entries(JOB_QUEUE) as [JobName, QueueName][]) {
    const handlers = processors.filter((p) => p.queue === queue && p.jobNames.includes(jobName));
    if (handlers.length !== 1) {
      problems.push(`job ${jobName} on queue ${queue} has ${handlers.length} processors, needs exactly 1`);
    }
  }
  if (problems.length > 0) throw new Error(`image workers cannot start: ${problems.join('; ')}`);
  for (const processor of processors)
    byQueue.set(processor.queue, [...(byQueue.get(processor.queue) ?? []), processor]);
  return byQueue;
}

function dispatch(
  processors: readonly ImageJobProcessor[],
  job: StoredJob,
  token: string,
  signal: AbortSignal,
): Promise<unknown> {
  const processor = processors.find((p) => (p.jobNames as readonly string[]).includes(job.name));
  if (processor === undefined) throw new UnrecoverableError(`no processor for job name ${job.name}`);
  return processor.process(job, token, signal);
}
