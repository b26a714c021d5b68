import type { ImageRequest } from '@kmm-hub/planner';
import type { TagUse } from '../image-queues/jobs.js';

/**
 * The contract between the hub controller (which decides that an image is missing) and the image pipeline (which
 * builds and signs it) is pure data: `ImageRequest`, computed by `imageRequestOf` in the planner.
 */
export { inputVersionKey, type ImageRequest } from '@kmm-hub/planner';

export const IMAGE_JOB_STATES = ['queued', 'building', 'signing', 'failed', 'succeeded'] as const;
export type ImageJobState = (typeof IMAGE_JOB_STATES)[number];

export interface ImageProgress {
  /** Content hash of every build and sign input: the same inputs anywhere in the fleet give the same job. */
  jobId: string;
  state: ImageJobState;
  /** Attempts made by the current step (build, then sign). */
  attempts: number;
  lastError?: string;
  /** Step inside the state (`read-inputs`, `build`, `push`, `pull`, `sign`, …) and how far it is, 0–100. */
  stage?: string;
  percent?: number;
  /** Digest the final image was pushed with, once succeeded. */
  digest?: string;
  /** With state failed: true when nothing is retried until an input changes (bad input, refused push). */
  permanent?: boolean;
  /**
   * With state succeeded, when the image is not simply this job's output: the hub did not make it and uses it as
   * it is, it replaced the hub's image of other inputs, or the tag changed after the job.
   */
  note?: string;
}

export interface ImageSettled {
  jobId: string;
  image: string;
  kernel: string;
  state: Extract<ImageJobState, 'failed' | 'succeeded'>;
  attempts: number;
  digest?: string;
  lastError?: string;
  /** What the job did with the tag (succeeded only): `kept` and `replaced` come with a `note`. */
  use?: TagUse;
  note?: string;
}

export interface ImageAttemptFailed {
  jobId: string;
  image: string;
  kernel: string;
  /** Attempts made so far, including this one. */
  attempts: number;
  error: string;
}

export interface ImagePushed {
  /** The tag pushed (the final image, or the unsigned image of a build that is signed next). */
  image: string;
  digest: string;
  jobId: string;
}

export interface ImagePipeline {
  /** Enqueues the build/sign for this request unless a job with the same identity exists; returns its progress. */
  request(req: ImageRequest): Promise<ImageProgress>;
  /** Progress of a job by the id `request` returned; null when Redis does not know it (any more). */
  progress(jobId: string): Promise<ImageProgress | null>;
  /** The job's most recent log lines (bounded), oldest first: build output, signed files, errors. */
  logs(jobId: string): Promise<string[]>;
  /** Called when a job succeeds or fails for good, so the controller re-plans the clusters waiting for that image. */
  onSettled(listener: (settled: ImageSettled) => void): void;
  /** Called when an attempt fails and another will follow (for a Warning Event; status comes from `progress`). */
  onAttemptFailed(listener: (failed: ImageAttemptFailed) => void): void;
  /** Called after any worker pushed a tag: the controller drops it from its image-existence cache. */
  onImagePushed(listener: (pushed: ImagePushed) => void): void;
}

/** Nest token of the pipeline implementation (BullMQ in roles all/controller; see images.module.ts). */
export const IMAGE_PIPELINE = Symbol('IMAGE_PIPELINE');
