// The ImagePipeline on BullMQ: requests become build and sign jobs whose ids are content hashes (so a repeated
// request is a no-op and a thousand clusters on one kernel share one build), progress is read back from the jobs,
// and the queues' event streams tell the controller when images settle, attempts fail and tags are pushed, from
// whichever process ran the worker.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { QueueEventsListener } from 'bullmq';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { describeImageProgress, isPermanentFailure, type JobSnapshot } from './describe-image-progress.js';
import type {
  ImageAttemptFailed,
  ImagePipeline,
  ImageProgress,
  ImagePushed,
  ImageRequest,
  ImageSettled,
} from './image-pipeline.js';
import { ImageQueueClient, type StoredJob } from '../image-queues/image-queue.client.js';
import { IMAGES_OPTIONS, type ImagesOptions } from '../image-queues/images.options.js';
import {
  ATTEMPT_FAILED_EVENT,
  BUILD_NOT_READY,
  JOB_NAMES,
  WAITING_FOR_BUILD_STAGE,
  QUEUES,
  buildJobDataSchema,
  imageJobResultSchema,
  signJobDataSchema,
  type QueueName,
} from '../image-queues/jobs.js';
import { planImageJobs } from './plan-image-jobs.js';
import { describeMovedTag, describeTagUse } from './decide-tag-use.js';

type AttemptFailedListener = QueueEventsListener &
  Record<typeof ATTEMPT_FAILED_EVENT, (args: Record<string, string>) => void>;

/** How many moved tags are remembered, so that each is reported in one Event. */
const MAX_MOVED_TAGS = 1_000;

interface JobIdentity {
  /** The pipeline's job id (the sign job's when the build is followed by one). */
  pipelineJobId: string;
  image: string;
  kernel: string;
}

@Injectable()
export class ImagePipelineService implements ImagePipeline, OnApplicationBootstrap {
  readonly #settled: ((settled: ImageSettled) => void)[] = [];
  readonly #attemptFailed: ((failed: ImageAttemptFailed) => void)[] = [];
  readonly #pushed: ((pushed: ImagePushed) => void)[] = [];
  /** `<jobId>@<digest>` of tags found changed after their job, oldest first; each is reported once. */
  readonly #movedTags = new Set<string>();

  constructor(
    private readonly queues: ImageQueueClient,
    @Inject(IMAGES_OPTIONS) private readonly options: ImagesOptions,
    @InjectPinoLogger(ImagePipelineService.name) private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const names = [QUEUES.build, QUEUES.sign] as const;
    await this.queues.waitUntilReady(names);
    for (const queue of names) {
      const events = this.queues.events(queue);
      events.on('completed', ({ jobId, returnvalue }) =>
        this.#guard(queue, jobId, this.#onCompleted(queue, jobId, returnvalue)),
      );
      events.on('failed', ({ jobId, failedReason }) =>
        this.#guard(queue, jobId, this.#onFailed(queue, jobId, failedReason)),
      );
      events.on<AttemptFailedListener, typeof ATTEMPT_FAILED_EVENT>(ATTEMPT_FAILED_EVENT, (args) =>
        this.#guard(queue, args['jobId'], this.#onAttemptFailed(queue, args)),
      );
      await events.waitUntilReady();
    }
  }

  async request(req: ImageRequest): Promise<ImageProgress> {
    const plan = planImageJobs(req, {
      hash: this.options.signHash,
      platform: this.options.platform,
      toolkitImages: this.options.toolkitImages,
    });
    if (!plan.ok) {
      return { jobId: plan.jobId, state: 'failed', attempts: 0, lastError: plan.reason, permanent: true };
    }
    let build: StoredJob | undefined;
    if (plan.build !== undefined) {
      build = await this.#ensureJob(QUEUES.build, plan.build.id, () =>
        this.queues.add(QUEUES.build, JOB_NAMES.buildImage, plan.build!.id, plan.build!.data),
      );
    }
    if (plan.sign !== undefined) {
      const buildState = build === undefined ? 'completed' : await build.getState();
      const waitMs = buildState === 'completed' ? 0 : this.options.signWaitForBuildMs;
      const sign = await this.#ensureJob(QUEUES.sign, plan.sign.id, () =>
        this.queues.add(QUEUES.sign, JOB_NAMES.signImage, plan.sign!.id, plan.sign!.data, waitMs),
      );
      const signState = await sign.getState();
      // A sign that gave up on its build runs again once the build is back in the queue or done.
      if (signState === 'failed' && sign.failedReason?.startsWith(BUILD_NOT_READY) && buildState !== 'failed') {
        await this.#retry(QUEUES.sign, sign);
      }
      // The build may have finished between the look above and the sign's arrival, too late to wake it.
      if (
        signState === 'delayed' &&
        isWaitingForBuild(sign) &&
        build !== undefined &&
        (await build.getState()) === 'completed'
      ) {
        await this.#promote(sign);
      }
    }
    const progress = (await this.progress(plan.jobId)) ?? { jobId: plan.jobId, state: 'queued', attempts: 0 };
    if (progress.state === 'succeeded' && req.presentDigest !== undefined) {
      await this.#checkMovedTag(plan.sign !== undefined ? QUEUES.sign : QUEUES.build, req, progress);
    }
    return progress;
  }

  async progress(jobId: string): Promise<ImageProgress | null> {
    const sign = await this.queues.getJob(QUEUES.sign, jobId);
    if (sign !== undefined) {
      const buildJobId = signJobDataSchema.shape.buildJobId.safeParse(readField(sign.data, 'buildJobId'));
      const build =
        buildJobId.success && buildJobId.data !== undefined
          ? await this.queues.getJob(QUEUES.build, buildJobId.data)
          : undefined;
      return describeImageProgress({
        jobId,
        sign: await snapshot(sign),
        ...(buildJobId.success && buildJobId.data !== undefined ? { build: await snapshotOrNull(build) } : {}),
      });
    }
    const build = await this.queues.getJob(QUEUES.build, jobId);
    if (build === undefined) return null;
    return describeImageProgress({ jobId, build: await snapshot(build) });
  }

  async logs(jobId: string): Promise<string[]> {
    const sign = await this.queues.getJob(QUEUES.sign, jobId);
    const buildJobId = sign !== undefined ? readField(sign.data, 'buildJobId') : jobId;
    const buildLogs =
      typeof buildJobId === 'string' ? await this.queues.logs(QUEUES.build, buildJobId) : ([] as string[]);
    const signLogs = sign !== undefined ? await this.queues.logs(QUEUES.sign, jobId) : [];
    return [...buildLogs, ...signLogs];
  }

  onSettled(listener: (settled: ImageSettled) => void): void {
    this.#settled.push(listener);
  }

  onAttemptFailed(listener: (failed: ImageAttemptFailed) => void): void {
    this.#attemptFailed.push(listener);
  }

  onImagePushed(listener: (pushed: ImagePushed) => void): void {
    this.#pushed.push(listener);
  }

  /**
   * A finished job whose tag holds another digest now: someone pushed over it. The hub uses the new content as it
   * is (the job is not run again, so nothing overwrites it); the progress says so, and listeners hear it once.
   */
  async #checkMovedTag(queue: QueueName, req: ImageRequest, progress: ImageProgress): Promise<void> {
    const job = await this.queues.getJob(queue, progress.jobId);
    const result = imageJobResultSchema.safeParse(job?.returnvalue);
    if (!result.success) return;
    // A look taken before the job replaced the hub's older image is not a change by someone else.
    if (result.data.replaced?.digest === req.presentDigest) return;
    const note = describeMovedTag(result.data, req.presentDigest);
    if (note === undefined) return;
    progress.note = note;
    const key = `${progress.jobId}@${req.presentDigest}`;
    if (this.#movedTags.has(key)) return;
    this.#movedTags.add(key);
    if (this.#movedTags.size > MAX_MOVED_TAGS) this.#movedTags.delete(this.#movedTags.values().next().value!);
    this.logger.warn(
      { jobId: progress.jobId, image: req.image, digest: req.presentDigest },
      'image tag changed after its job',
    );
    this.#emit(this.#settled, {
      jobId: progress.jobId,
      image: req.image,
      kernel: req.kernel,
      state: 'succeeded',
      attempts: job?.attemptsMade ?? 0,
      digest: req.presentDigest ?? '',
      use: 'kept',
      note,
    });
  }

  /**
   * The job with this id, added when absent. A job that failed after all its attempts for a reason that may clear
   * up (not bad input) is queued again once `retryFailedAfterMs` has passed since it failed.
   */
  async #ensureJob(queue: QueueName, jobId: string, add: () => Promise<StoredJob>): Promise<StoredJob> {
    const existing = await this.queues.getJob(queue, jobId);
    if (existing === undefined) return add();
    if ((await existing.getState()) !== 'failed') return existing;
    const failed = await snapshot(existing);
    const failedAt = existing.finishedOn ?? 0;
    if (!isPermanentFailure(failed) && Date.now() - failedAt >= this.options.retryFailedAfterMs) {
      await this.#retry(queue, existing);
    }
    return existing;
  }

  async #promote(job: StoredJob): Promise<void> {
    try {
      await job.promote();
    } catch (error) {
      // It left the delayed set on its own in between: it runs anyway.
      this.logger.debug({ jobId: job.id, err: error }, 'sign job was not delayed any more');
    }
  }

  async #retry(queue: QueueName, job: StoredJob): Promise<void> {
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      this.logger.info({ queue, jobId: job.id }, 'image job queued again');
    } catch (error) {
      // Another hub retried it a moment ago.
      this.logger.debug({ queue, jobId: job.id, err: error }, 'image job was not in the failed state any more');
    }
  }

  async #onCompleted(queue: QueueName, jobId: string, returnvalue: unknown): Promise<void> {
    const result = imageJobResultSchema.safeParse(returnvalue);
    if (!result.success) return;
    const { image, kernel, target, digest, pushed, final, use } = result.data;
    if (pushed) this.#emit(this.#pushed, { image: target, digest, jobId });
    if (!final) return;
    const attempts = (await this.queues.getJob(queue, jobId))?.attemptsMade ?? 1;
    const note = describeTagUse(result.data);
    this.#emit(this.#settled, {
      jobId,
      image,
      kernel,
      state: 'succeeded',
      attempts,
      digest,
      ...(use !== undefined ? { use } : {}),
      ...(note !== undefined ? { note } : {}),
    });
  }

  async #onFailed(queue: QueueName, jobId: string, failedReason: string): Promise<void> {
    // A sign that gave up on its build is reported through the build's own failure.
    if (queue === QUEUES.sign && failedReason.startsWith(BUILD_NOT_READY)) return;
    const job = await this.queues.getJob(queue, jobId);
    const identity = job !== undefined ? identityOf(queue, job) : undefined;
    if (identity === undefined) return;
    this.#emit(this.#settled, {
      jobId: identity.pipelineJobId,
      image: identity.image,
      kernel: identity.kernel,
      state: 'failed',
      attempts: job?.attemptsMade ?? 0,
      lastError: failedReason,
    });
  }

  async #onAttemptFailed(queue: QueueName, args: Record<string, string>): Promise<void> {
    const jobId = args['jobId'] ?? '';
    const job = await this.queues.getJob(queue, jobId);
    const identity = job !== undefined ? identityOf(queue, job) : undefined;
    if (identity === undefined) return;
    this.#emit(this.#attemptFailed, {
      jobId: identity.pipelineJobId,
      image: identity.image,
      kernel: identity.kernel,
      attempts: Number(args['attempts'] ?? 0),
      error: args['error'] ?? '',
    });
  }

  #guard(queue: QueueName, jobId: string | undefined, handling: Promise<void>): void {
    handling.catch((error: unknown) =>
      this.logger.warn({ queue, jobId, err: error }, 'could not handle a queue event'),
    );
  }

  #emit<T>(listeners: ((value: T) => void)[], value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error({ jobId: (value as { jobId?: string }).jobId, err: error }, 'image pipeline listener threw');
      }
    }
  }
}

function identityOf(queue: QueueName, job: StoredJob): JobIdentity | undefined {
  const jobId = job.id ?? '';
  if (queue === QUEUES.build) {
    const data = buildJobDataSchema.safeParse(job.data);
    if (!data.success) return undefined;
    return { pipelineJobId: data.data.signJobId ?? jobId, image: data.data.image, kernel: data.data.kernel };
  }
  const data = signJobDataSchema.safeParse(job.data);
  if (!data.success) return undefined;
  return { pipelineJobId: jobId, image: data.data.image, kernel: data.data.kernel };
}

async function snapshot(job: StoredJob): Promise<JobSnapshot> {
  return {
    state: await job.getState(),
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    ...(job.progress !== undefined ? { progress: job.progress } : {}),
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { returnvalue: job.returnvalue } : {}),
    ...(job.finishedOn !== undefined ? { finishedOn: job.finishedOn } : {}),
  };
}

async function snapshotOrNull(job: StoredJob | undefined): Promise<JobSnapshot | null> {
  return job === undefined ? null : snapshot(job);
}

/** Delayed because its build was not done (not the backoff after a failed attempt, which must not be cut short). */
function isWaitingForBuild(sign: StoredJob): boolean {
  const stage = readField(sign.progress, 'stage');
  return stage === WAITING_FOR_BUILD_STAGE || (stage === undefined && sign.attemptsMade === 0 && !sign.failedReason);
}

function readField(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
}
