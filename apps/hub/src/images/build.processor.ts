// Processor of the `build` queue: parse the payload, build and push through ImageBuilderService, then wake the
// sign job waiting for this build.
import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ImageBuilderService } from './image-builder.service.js';
import { toJobFailure, describeError } from './image-job-errors.js';
import { ImageJobProcessor } from './image-job.processor.js';
import { ImageQueueClient, type StoredJob } from '../image-queues/image-queue.client.js';
import { IMAGES_OPTIONS, type ImagesOptions } from '../image-queues/images.options.js';
import { JOB_NAMES, QUEUES, buildJobDataSchema, type ImageJobResult } from '../image-queues/jobs.js';
import { BullJobReporter } from './job-reporter.js';

@Injectable()
export class BuildProcessor extends ImageJobProcessor {
  readonly queue = QUEUES.build;
  readonly jobNames = [JOB_NAMES.buildImage] as const;

  constructor(
    private readonly builder: ImageBuilderService,
    private readonly queues: ImageQueueClient,
    @Inject(IMAGES_OPTIONS) private readonly options: ImagesOptions,
    @InjectPinoLogger(BuildProcessor.name) private readonly logger: PinoLogger,
  ) {
    super();
  }

  async process(job: StoredJob, token: string, signal: AbortSignal): Promise<ImageJobResult> {
    const jobId = job.id ?? '';
    const reporter = new BullJobReporter(job, token, this.options.lockMs, this.logger);
    try {
      const data = buildJobDataSchema.parse(job.data);
      const result = await this.builder.build(data, jobId, reporter, signal);
      if (data.signJobId !== undefined) await this.#wakeSign(data.signJobId, reporter);
      return result;
    } catch (error) {
      reporter.log(`attempt ${job.attemptsMade + 1} failed: ${describeError(error)}`);
      throw toJobFailure(error);
    } finally {
      await reporter.flush();
    }
  }

  /** The sign job sleeps while its build runs; wake it now rather than at its next look. */
  async #wakeSign(signJobId: string, reporter: BullJobReporter): Promise<void> {
    const sign = await this.queues.getJob(QUEUES.sign, signJobId);
    if (sign === undefined || !(await sign.isDelayed())) return;
    try {
      await sign.promote();
    } catch (error) {
      // It left the delayed set on its own in between: it runs anyway.
      reporter.log(`sign job ${signJobId} was not waiting any more: ${describeError(error)}`);
    }
  }
}
