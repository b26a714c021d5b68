// Pure: the builds the API lists, assembled from BullMQ jobs. A build is what the image pipeline calls a job: a
// sign job (with the build job it waits for, when there is one) or a build job alone; its id is the pipeline's
// content-hash job id, and its progress is computed by the pipeline's own describeImageProgress.
import { describeImageProgress, type JobSnapshot } from '../images/describe-image-progress.js';
import type { ImageJobState } from '../images/image-pipeline.js';
import { buildJobDataSchema, QUEUES, signJobDataSchema, type QueueName } from '../image-queues/jobs.js';
import type { BuildStep, BuildSummary } from './dto/builds.dto.js';
import { imageKey } from './summarize-fleet.js';

/** A BullMQ job as read from Redis, with the state of the list it was found in. */
export interface QueuedJob extends JobSnapshot {
  queue: QueueName;
  id: string;
  data: unknown;
  /** Epoch ms the job was added. */
  timestamp: number;
}

export interface BuildFilter {
  state?: ImageJobState;
  module?: string;
  kernel?: string;
}

export function assembleBuilds(jobs: readonly QueuedJob[]): BuildSummary[] {
  const builds = new Map(jobs.filter((j) => j.queue === QUEUES.build).map((j) => [j.id, j]));
  const used = new Set<string>();
  const out: BuildSummary[] = [];
  for (const sign of jobs.filter((j) => j.queue === QUEUES.sign)) {
    const data = signJobDataSchema.safeParse(sign.data);
    if (!data.success) continue;
    const buildJobId = data.data.buildJobId;
    const build = buildJobId !== undefined ? builds.get(buildJobId) : undefined;
    if (build) used.add(build.id);
    const progress = describeImageProgress({
      jobId: sign.id,
      sign,
      ...(buildJobId !== undefined && { build: build ?? null }),
    });
    out.push(summary(progress, data.data, [...(build ? [build] : []), sign]));
  }
  for (const build of builds.values()) {
    if (used.has(build.id)) continue;
    const data = buildJobDataSchema.safeParse(build.data);
    if (!data.success) continue;
    out.push(summary(describeImageProgress({ jobId: build.id, build }), data.data, [build]));
  }
  return out;
}

function summary(
  progress: ReturnType<typeof describeImageProgress>,
  data: { mcm: string; image: string; kernel: string },
  steps: QueuedJob[],
): BuildSummary {
  const createdAt = Math.min(...steps.map((s) => s.timestamp));
  const settled = progress.state === 'succeeded' || progress.state === 'failed';
  const finishedAt = settled ? Math.max(...steps.map((s) => s.finishedOn ?? 0)) : 0;
  return {
    id: progress.jobId,
    module: data.mcm,
    image: data.image,
    kernel: data.kernel,
    state: progress.state,
    attempts: progress.attempts,
    ...(progress.stage !== undefined && { stage: progress.stage }),
    ...(progress.percent !== undefined && { percent: progress.percent }),
    ...(progress.lastError !== undefined && { lastError: progress.lastError }),
    ...(progress.permanent !== undefined && { permanent: progress.permanent }),
    ...(progress.digest !== undefined && { digest: progress.digest }),
    createdAt: new Date(createdAt).toISOString(),
    ...(finishedAt > 0 && { finishedAt: new Date(finishedAt).toISOString() }),
    steps: steps.map((s): BuildStep => ({ queue: s.queue, jobId: s.id, state: s.state, attempts: s.attemptsMade })),
  };
}

/** Builds matching the filter; a module matches the builds it asked for first and those of images it uses. */
export function filterBuilds(
  builds: readonly BuildSummary[],
  filter: BuildFilter,
  imagesOf: (module: string) => ReadonlySet<string> | undefined,
): BuildSummary[] {
  const images = filter.module !== undefined ? imagesOf(filter.module) : undefined;
  return builds.filter(
    (b) =>
      (filter.state === undefined || b.state === filter.state) &&
      (filter.kernel === undefined || b.kernel === filter.kernel) &&
      (filter.module === undefined || b.module === filter.module || images?.has(imageKey(b.image, b.kernel)) === true),
  );
}

/** Sort key: newest first, then by id. */
export function buildSortKey(b: Pick<BuildSummary, 'createdAt' | 'id'>): string {
  const age = 9_000_000_000_000_000 - Date.parse(b.createdAt);
  return `${age.toString().padStart(16, '0')}|${b.id}`;
}
