// Pure: the progress of a pipeline (build, then sign) from snapshots of its BullMQ jobs.
import type { ImageJobState, ImageProgress } from './image-pipeline.js';
import { describeTagUse } from './decide-tag-use.js';
import { imageJobResultSchema } from '../image-queues/jobs.js';

/** What the pipeline needs of a BullMQ job; `state` is BullMQ's job state. */
export interface JobSnapshot {
  state: string;
  attemptsMade: number;
  /** `opts.attempts` the job was added with. */
  maxAttempts: number;
  failedReason?: string;
  progress?: unknown;
  returnvalue?: unknown;
  /** Epoch ms the job last finished (completed or failed). */
  finishedOn?: number;
}

export interface PipelineSnapshot {
  jobId: string;
  /** Undefined when the pipeline has no such step; null when the step exists but Redis has no job for it. */
  build?: JobSnapshot | null;
  sign?: JobSnapshot | null;
}

export function describeImageProgress(snapshot: PipelineSnapshot): ImageProgress {
  const { jobId, build, sign } = snapshot;
  if (build !== undefined && (build === null || build.state !== 'completed' || sign === undefined)) {
    return describeStep(jobId, build, 'building', 'queued');
  }
  // A build that is done hands over to its sign job; a pipeline without build starts there.
  return describeStep(jobId, sign ?? null, 'signing', build !== undefined ? 'signing' : 'queued');
}

/** True when a failed job will not run again unless an input changes: it failed before using its attempts. */
export function isPermanentFailure(job: JobSnapshot): boolean {
  return job.state === 'failed' && job.attemptsMade < job.maxAttempts;
}

function describeStep(
  jobId: string,
  job: JobSnapshot | null,
  activeState: ImageJobState,
  waitingState: ImageJobState,
): ImageProgress {
  if (job === null) return { jobId, state: waitingState, attempts: 0 };
  const progress: ImageProgress = { jobId, state: stateOf(job, activeState, waitingState), attempts: job.attemptsMade };
  if (progress.state !== 'succeeded' && job.failedReason) progress.lastError = job.failedReason;
  const report = readProgress(job.progress);
  if (report !== undefined && progress.state !== 'queued') {
    progress.stage = report.stage;
    progress.percent = report.percent;
  }
  if (progress.state === 'succeeded') {
    const result = imageJobResultSchema.safeParse(job.returnvalue);
    if (result.success) {
      progress.digest = result.data.digest;
      const note = describeTagUse(result.data);
      if (note !== undefined) progress.note = note;
    }
  }
  if (progress.state === 'failed') progress.permanent = isPermanentFailure(job);
  return progress;
}

function stateOf(job: JobSnapshot, activeState: ImageJobState, waitingState: ImageJobState): ImageJobState {
  if (job.state === 'active') return activeState;
  if (job.state === 'completed') return 'succeeded';
  if (job.state === 'failed') return 'failed';
  // waiting, prioritized, delayed (a retry's backoff, or a sign waiting for its build), unknown
  return waitingState;
}

function readProgress(value: unknown): { stage: string; percent: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { stage, percent } = value as Record<string, unknown>;
  if (typeof stage !== 'string' || typeof percent !== 'number') return undefined;
  return { stage, percent };
}
