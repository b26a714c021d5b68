import type { Build, RegistryTLS, Sign } from '@kmm-hub/api';
import type { TagUse } from '../image-queues/jobs.js';

/**
 * The contract between the hub controller (which decides that an image is missing) and the image pipeline (which
 * builds and signs it). Everything in a request is already rendered with the one rendering context of its
 * (module, kernel), so the image the pipeline produces is exactly the image the spoke will pull.
 * Requests carry names and versions of Secrets, never their content.
 */
export interface ImageRequest {
  /** The ManagedClusterModule asking; for events and status attribution only (identity does not depend on it). */
  mcm: string;
  /** MOD_NAME and MOD_NAMESPACE as rendered (MCM name, spokeNamespace). */
  moduleName: string;
  moduleNamespace: string;
  kernel: string;
  /** Final image reference (tag form) the spoke will run, after build and sign. */
  image: string;
  build?: Build;
  sign?: Sign;
  registryTLS?: RegistryTLS;
  /** Name of a dockerconfigjson Secret in the hub namespace, and its resourceVersion (part of the job identity). */
  imageRepoSecret?: { name: string; resourceVersion: string };
  /**
   * resourceVersions of every Secret and ConfigMap the build or sign reads (part of the job identity), keyed
   * `ConfigMap/<name>` or `Secret/<name>` (see `inputVersionKey`). A worker that finds another resourceVersion
   * fails the job as superseded (the next request carries the new one). An object without an entry (absent, or not
   * watched) is read at whatever version it has, and changing it does not start a new job.
   */
  inputVersions: Record<string, string>;
  /** modprobe.dirName of the module (default /opt); the default `filesToSign` is `<dirName>/lib/modules/<kernel>/**\/*.ko`. */
  dirName?: string;
  /**
   * The digest `image` resolved to when the controller looked, when it exists (not part of the job identity). When
   * the pipeline's finished job left another digest there, someone wrote the tag since: the progress says so, and
   * the tag is not written again.
   */
  presentDigest?: string;
}

/** Key of an object in `ImageRequest.inputVersions`. */
export function inputVersionKey(kind: 'ConfigMap' | 'Secret', name: string): string {
  return `${kind}/${name}`;
}

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
