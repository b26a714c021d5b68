// The one interface of build executors (a Kubernetes Job running a kaniko-compatible builder, or buildah on the
// worker). The image builder reads and checks every input first, so an executor only runs the build and pushes.
import type { RegistryTlsFlags } from '../image-queues/jobs.js';

/** How a job tells the world what it is doing; backed by BullMQ progress and the job's bounded log. */
export interface JobReporter {
  stage(stage: string, percent: number): Promise<void>;
  /** One log line; lines are kept in order, the oldest dropped past the configured bound. */
  log(line: string): void;
  /** False once another worker may have taken the job over (the lock was lost): do not push then. */
  stillOwned(): Promise<boolean>;
}

export interface BuildSpec {
  /** The build job id; labels the image and names the build's Kubernetes objects. */
  jobId: string;
  /** Tag to push. */
  target: string;
  kernel: string;
  dockerfileConfigMap: string;
  buildArgs: readonly { name: string; value: string }[];
  /** Names of the build Secrets, mounted at /run/secrets/<name>. */
  secrets: readonly string[];
  imageRepoSecret?: string;
  baseImageRegistryTLS: RegistryTlsFlags;
  registryTLS: RegistryTlsFlags;
  /** Image labels (the job marker). */
  labels: Readonly<Record<string, string>>;
  /** Manifest annotations (the inputs hash), for builders that can set them; the label says the same for others. */
  annotations: Readonly<Record<string, string>>;
  kanikoTag?: string;
  selector?: Readonly<Record<string, string>>;
}

/** Input content, for executors that run the build themselves. */
export interface BuildInputs {
  dockerfile: string;
  secrets: ReadonlyMap<string, ReadonlyMap<string, Buffer>>;
  dockerConfigJson?: Buffer;
}

export interface BuildOutcome {
  /** Digest of the pushed manifest, when the executor knows it; otherwise the builder asks the registry. */
  digest?: string;
}

export interface BuildExecutor {
  readonly name: string;
  /** Builds and pushes `spec.target`; throws BuildFailedError (retried) or a permanent error. */
  build(spec: BuildSpec, inputs: BuildInputs, reporter: JobReporter, signal: AbortSignal): Promise<BuildOutcome>;
}
