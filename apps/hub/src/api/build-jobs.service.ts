// Builds as the API sees them: listed, read and retried straight from the BullMQ queues (Redis is the only place
// jobs live), with progress computed by the pipeline's own pure code.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, JobType } from 'bullmq';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ImageQueueClient } from '../image-queues/image-queue.client.js';
import { QUEUES, type QueueName } from '../image-queues/jobs.js';
import { HubMetrics } from '../metrics/metrics.js';
import { ResourceNotFoundError, StateConflictError } from './api-errors.js';
import type { BuildDetail, BuildSummary, ListBuildsQuery } from './dto/builds.dto.js';
import type { BuildTotals } from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';
import { assembleBuilds, buildSortKey, filterBuilds, type QueuedJob } from './list-builds.js';
import { paginate, type Page } from './paginate.js';
import { withTimeout } from '../image-queues/with-timeout.js';

const REDIS_TIMEOUT_MS = 3_000;
/** BullMQ lists, and the state each stands for. */
const JOB_LISTS: readonly JobType[] = [
  'active',
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'completed',
  'failed',
];
const QUEUE_NAMES = [QUEUES.build, QUEUES.sign] as const;

export interface JobEvent {
  queue: QueueName;
  jobId: string;
}

@Injectable()
export class BuildJobsService implements OnApplicationBootstrap {
  readonly #listeners: ((event: JobEvent) => void)[] = [];
  /** The last totals read, dropped at every job event; see cachedTotals. */
  #totals: Promise<BuildTotals | null> | undefined;

  constructor(
    private readonly queues: ImageQueueClient,
    private readonly fleet: FleetService,
    private readonly metrics: HubMetrics,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectPinoLogger(BuildJobsService.name) private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queues.waitUntilReady(QUEUE_NAMES);
    this.metrics.setSource('queues', async () => {
      const totals = await this.totals();
      if (!totals) return null;
      return Object.fromEntries(
        Object.entries(totals).flatMap(([queue, counts]) =>
          Object.entries(counts).map(([state, n]) => [`${queue}/${state}`, n]),
        ),
      );
    });
    for (const queue of QUEUE_NAMES) {
      const events = this.queues.events(queue);
      const emit = ({ jobId }: { jobId: string }) => {
        this.#totals = undefined;
        for (const l of this.#listeners) l({ queue, jobId });
      };
      for (const name of ['waiting', 'active', 'progress', 'delayed', 'removed'] as const) events.on(name, emit);
      events.on('completed', (e) => {
        emit(e);
        void this.#observeDuration(queue, e.jobId, 'succeeded');
      });
      events.on('failed', (e) => {
        emit(e);
        void this.#observeDuration(queue, e.jobId, 'failed');
      });
      await events.waitUntilReady();
    }
  }

  /** Called for every job state change or progress report on either queue, from any process. */
  onJobEvent(listener: (event: JobEvent) => void): void {
    this.#listeners.push(listener);
  }

  async list(query: ListBuildsQuery): Promise<Page<BuildSummary>> {
    const all = assembleBuilds(await withTimeout(this.#readAll(), REDIS_TIMEOUT_MS, 'Redis'));
    const filtered = filterBuilds(all, query, (m) => this.fleet.imagesOf(m));
    return paginate(filtered, buildSortKey, query.limit, query.cursor);
  }

  async get(id: string): Promise<BuildDetail> {
    const jobs = await withTimeout(this.#readPipeline(id), REDIS_TIMEOUT_MS, 'Redis');
    const summary = jobs ? assembleBuilds(jobs).find((b) => b.id === id) : undefined;
    if (!summary || !jobs) throw new ResourceNotFoundError('build', id);
    const logs: string[] = [];
    for (const step of summary.steps) logs.push(...(await this.queues.logs(step.queue, step.jobId)));
    return { ...summary, logs: logs.slice(-this.config.API_BUILD_LOG_LINES) };
  }

  /** The build a job belongs to, for the event stream; undefined when the job is gone. */
  async summaryOf(queue: QueueName, jobId: string): Promise<BuildSummary | undefined> {
    let id = jobId;
    if (queue === QUEUES.build) {
      const job = await this.queues.getJob(queue, jobId);
      const signJobId = (job?.data as { signJobId?: unknown } | undefined)?.signJobId;
      if (typeof signJobId === 'string' && (await this.queues.getJob(QUEUES.sign, signJobId))) id = signJobId;
    }
    const jobs = await this.#readPipeline(id);
    return jobs ? assembleBuilds(jobs).find((b) => b.id === id) : undefined;
  }

  /** Queues the failed steps of a build again with fresh attempts. */
  async retry(id: string, subject: string): Promise<BuildSummary> {
    const sign = await this.queues.getJob(QUEUES.sign, id);
    const buildJobId = sign ? (sign.data as { buildJobId?: unknown }).buildJobId : id;
    const build = typeof buildJobId === 'string' ? await this.queues.getJob(QUEUES.build, buildJobId) : undefined;
    if (!sign && !build) throw new ResourceNotFoundError('build', id);
    const retried: QueueName[] = [];
    for (const [queue, job] of [
      [QUEUES.build, build],
      [QUEUES.sign, sign],
    ] as const) {
      if (!job || (await job.getState()) !== 'failed') continue;
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried.push(queue);
      } catch (err) {
        throw new StateConflictError(`build ${id} changed state while being retried`, { cause: err });
      }
    }
    if (retried.length === 0) throw new StateConflictError(`build ${id} has not failed`);
    this.logger.info({ jobId: id, queues: retried, subject }, 'build retried');
    const summary = await this.summaryOf(sign ? QUEUES.sign : QUEUES.build, id);
    if (!summary) throw new ResourceNotFoundError('build', id);
    return summary;
  }

  /** Jobs per queue by state; null when Redis does not answer in time (the fleet view still answers). */
  /**
   * The totals as of the last job event: Redis is read again only after a job changed (on any process: queue
   * events come through Redis), so GET /api/v1/fleet answers from memory while the queues are quiet (issue 14:
   * p99 under 50 ms). Concurrent callers share one read; a failed read is not kept.
   */
  cachedTotals(): Promise<BuildTotals | null> {
    const read = (this.#totals ??= this.totals().then((t) => {
      if (t === null && this.#totals === read) this.#totals = undefined;
      return t;
    }));
    return read;
  }

  async totals(): Promise<BuildTotals | null> {
    try {
      const counts = await withTimeout(
        Promise.all(QUEUE_NAMES.map((q) => this.queues.queue(q).getJobCounts(...JOB_LISTS))),
        REDIS_TIMEOUT_MS,
        'Redis',
      );
      const [build, sign] = counts.map((c) => ({
        queued: (c['waiting'] ?? 0) + (c['delayed'] ?? 0) + (c['prioritized'] ?? 0) + (c['waiting-children'] ?? 0),
        active: c['active'] ?? 0,
        succeeded: c['completed'] ?? 0,
        failed: c['failed'] ?? 0,
      }));
      return { build: build!, sign: sign! };
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue counts unavailable');
      return null;
    }
  }

  async #readAll(): Promise<QueuedJob[]> {
    const lists = await Promise.all(
      QUEUE_NAMES.flatMap((queue) =>
        JOB_LISTS.map(async (state) =>
          (await this.queues.queue(queue).getJobs([state])).map((job) => toQueued(queue, state, job as Job)),
        ),
      ),
    );
    // A job moving between lists while we read may show up twice; keep its first sighting.
    const seen = new Set<string>();
    return lists.flat().filter((j) => {
      const key = `${j.queue}/${j.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  async #readPipeline(id: string): Promise<QueuedJob[] | undefined> {
    const sign = await this.queues.getJob(QUEUES.sign, id);
    const buildId = sign ? (sign.data as { buildJobId?: unknown }).buildJobId : id;
    const build = typeof buildId === 'string' ? await this.queues.getJob(QUEUES.build, buildId) : undefined;
    if (!sign && !build) return undefined;
    const jobs: QueuedJob[] = [];
    if (build) jobs.push(toQueued(QUEUES.build, await build.getState(), build as Job));
    if (sign) jobs.push(toQueued(QUEUES.sign, await sign.getState(), sign as Job));
    return jobs;
  }

  async #observeDuration(queue: QueueName, jobId: string, result: 'succeeded' | 'failed'): Promise<void> {
    try {
      const job = await this.queues.getJob(queue, jobId);
      if (job?.processedOn !== undefined && job.finishedOn !== undefined)
        this.metrics.imageJobDuration.observe({ queue, result }, (job.finishedOn - job.processedOn) / 1000);
    } catch (err) {
      this.logger.debug({ queue, jobId, err }, 'job gone before its duration was read');
    }
  }
}

function toQueued(queue: QueueName, state: string, job: Job): QueuedJob {
  return {
    queue,
    id: job.id ?? '',
    state,
    data: job.data,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    timestamp: job.timestamp,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    ...(job.progress !== undefined ? { progress: job.progress } : {}),
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { returnvalue: job.returnvalue } : {}),
    ...(job.finishedOn !== undefined ? { finishedOn: job.finishedOn } : {}),
  };
}
