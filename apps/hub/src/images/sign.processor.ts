// Processor of the `sign` queue: parse the payload, wait (delayed, not holding a worker slot) until the build it
// signs has pushed, then sign and push through ModuleSignerService.
import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { describeError, toJobFailure } from './image-job-errors.js';
import { ImageJobProcessor } from './image-job.processor.js';
import { ImageQueueClient, type StoredJob } from '../image-queues/image-queue.client.js';
import { IMAGES_OPTIONS, type ImagesOptions } from '../image-queues/images.options.js';
import {
  BUILD_NOT_READY,
  JOB_NAMES,
  QUEUES,
  WAITING_FOR_BUILD_STAGE,
  signJobDataSchema,
  type ImageJobResult,
} from '../image-queues/jobs.js';
import { BullJobReporter } from './job-reporter.js';
import { ModuleSignerService } from './module-signer.service.js';

@Injectable()
export class SignProcessor extends ImageJobProcessor {
  readonly queue = QUEUES.sign;
  readonly jobNames = [JOB_NAMES.signImage] as const;

  constructor(
    private readonly signer: ModuleSignerService,
    private readonly queues: ImageQueueClient,
    @Inject(IMAGES_OPTIONS) private readonly options: ImagesOptions,
    @InjectPinoLogger(SignProcessor.name) private readonly logger: PinoLogger,
  ) {
    super();
  }

  async process(job: StoredJob, token: string): Promise<ImageJobResult> {
    const jobId = job.id ?? '';
    const reporter = new BullJobReporter(job, token, this.options.lockMs, this.logger);
    try {
      const data = signJobDataSchema.parse(job.data);
      if (data.buildJobId !== undefined) {
        const build = await this.queues.getJob(QUEUES.build, data.buildJobId);
        const state = build === undefined ? 'missing' : await build.getState();
        if (state === 'failed' || state === 'missing') {
          // The controller asks again; its request re-queues the build and then this job.
          const why = state === 'failed' ? `failed: ${build?.failedReason ?? ''}` : 'is not queued';
          throw new UnrecoverableError(`${BUILD_NOT_READY}: build ${data.buildJobId} ${why}`);
        }
        if (state !== 'completed') {
          await reporter.stage(WAITING_FOR_BUILD_STAGE, 0);
          await job.moveToDelayed(Date.now() + this.options.signWaitForBuildMs, token);
          throw new DelayedError();
        }
      }
      return await this.signer.sign(data, jobId, reporter);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      reporter.log(`attempt ${job.attemptsMade + 1} failed: ${describeError(error)}`);
      throw toJobFailure(error);
    } finally {
      await reporter.flush();
    }
  }
}
