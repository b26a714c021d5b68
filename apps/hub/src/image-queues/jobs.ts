// The vocabulary of the image queues: queue and job names, the payload of each job name (checked with zod when a
// worker takes a job), the small results processors return, and the names the pipeline writes on images and
// Kubernetes objects. Payloads carry object names, resourceVersions and hashes, never Secret content.
import { HASH_ALGORITHMS } from '@kmm-hub/kmod-sign';
import { z } from 'zod';

export const QUEUES = { build: 'build', sign: 'sign' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOB_NAMES = { buildImage: 'build-image', signImage: 'sign-image' } as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];

/** The queue each job name is added to; a worker host refuses to start if one of them has no processor. */
export const JOB_QUEUE: Readonly<Record<JobName, QueueName>> = {
  [JOB_NAMES.buildImage]: QUEUES.build,
  [JOB_NAMES.signImage]: QUEUES.sign,
};

/**
 * Names the pipeline writes. They belong in libs/api/src/constants.ts (LABELS, ANNOTATIONS) with the other
 * names; they live here until that lib takes them.
 */
export const IMAGE_JOB_NAMES = {
  /** Label on built images (full job id) and on build Jobs and their pods (first 40 hex digits). */
  jobLabel: 'hub.kmm.sigs.x-k8s.io/image-job',
  /** Annotations on build Jobs. */
  jobAnnotation: 'hub.kmm.sigs.x-k8s.io/image-job',
  imageAnnotation: 'hub.kmm.sigs.x-k8s.io/image',
  kernelAnnotation: 'hub.kmm.sigs.x-k8s.io/kernel',
  /** Start of the history comment of the layer a sign job adds; the job id follows. */
  signComment: 'kmm-hub sign job ',
  /**
   * Manifest annotation on every image the pipeline pushes: the id of the job that made it, which is the hash of
   * all its inputs. A tag without it (and without the older label or sign comment) was not made by the hub.
   */
  inputsHashAnnotation: 'hub.kmm.sigs.x-k8s.io/inputs-hash',
} as const;

const tls = z.object({ insecure: z.boolean(), insecureSkipTLSVerify: z.boolean() });
export type RegistryTlsFlags = z.infer<typeof tls>;

const objectVersion = z.object({ name: z.string().min(1), resourceVersion: z.string() });
/** A ConfigMap or Secret in the hub namespace and the resourceVersion the job was planned with ('' = absent). */
export type ObjectVersion = z.infer<typeof objectVersion>;

const buildArg = z.object({ name: z.string().min(1), value: z.string() });

/** Everything a build needs, by name. The job id is the hash of these fields but `mcm` and `signJobId`. */
export const buildJobDataSchema = z.object({
  /** Attribution only: the first ManagedClusterModule that asked. */
  mcm: z.string(),
  /** Final image the spoke runs. */
  image: z.string().min(1),
  /** Tag the build pushes: `image` itself, or an unsigned tag in the same repository when a sign follows. */
  target: z.string().min(1),
  kernel: z.string().min(1),
  moduleName: z.string(),
  moduleNamespace: z.string(),
  dockerfile: objectVersion,
  /** User args, then the forced ones (KERNEL_VERSION, KERNEL_FULL_VERSION, MOD_NAME, MOD_NAMESPACE, DTK_AUTO). */
  buildArgs: z.array(buildArg),
  secrets: z.array(objectVersion),
  baseImageRegistryTLS: tls,
  registryTLS: tls,
  imageRepoSecret: objectVersion.optional(),
  kanikoTag: z.string().optional(),
  selector: z.record(z.string(), z.string()).optional(),
  /** The sign job waiting for this build, promoted when the build is pushed. */
  signJobId: z.string().optional(),
});
export type BuildJobData = z.infer<typeof buildJobDataSchema>;

export const signJobDataSchema = z.object({
  mcm: z.string(),
  image: z.string().min(1),
  kernel: z.string().min(1),
  /** Image whose modules are signed: the build's unsigned tag, or `sign.unsignedImage`. */
  unsignedImage: z.string().min(1),
  unsignedImageRegistryTLS: tls,
  registryTLS: tls,
  /** The build that produces `unsignedImage`, when there is one. */
  buildJobId: z.string().optional(),
  keySecret: objectVersion,
  certSecret: objectVersion,
  filesToSign: z.array(z.string().min(1)).min(1),
  hash: z.enum(HASH_ALGORITHMS),
  platform: z.string(),
  imageRepoSecret: objectVersion.optional(),
});
export type SignJobData = z.infer<typeof signJobDataSchema>;

export type ImageJobData = { name: 'build-image'; data: BuildJobData } | { name: 'sign-image'; data: SignJobData };

/** What a job did with the tag it writes (see decide-tag-use.ts). */
export const TAG_USES = ['produced', 'reused', 'replaced', 'kept'] as const;
export type TagUse = (typeof TAG_USES)[number];

/** What a build or sign job returns (stored in Redis with the completed job, so kept small). */
export const imageJobResultSchema = z.object({
  image: z.string(),
  kernel: z.string(),
  /** The tag written and its digest. */
  target: z.string(),
  digest: z.string(),
  /** False when the registry already held this job's output (a retry after a crash, or a repeated request). */
  pushed: z.boolean(),
  /** True when this job produced the final image (a build with no sign, or a sign). */
  final: z.boolean(),
  /** What the job did with the tag; absent in results of older hubs (produced or reused). */
  use: z.enum(TAG_USES).optional(),
  /** With use `replaced`: the hub's earlier image that was overwritten. */
  replaced: z.object({ digest: z.string(), jobId: z.string() }).optional(),
});
export type ImageJobResult = z.infer<typeof imageJobResultSchema>;

/** Progress a job reports through BullMQ's `updateProgress`. */
export interface JobProgressReport {
  stage: string;
  percent: number;
}

/** Custom event on a queue's event stream when an attempt failed and another follows. */
export const ATTEMPT_FAILED_EVENT = 'kmm-attempt-failed';

/** Progress stage of a sign job sleeping until its build has pushed. */
export const WAITING_FOR_BUILD_STAGE = 'waiting-for-build';

/** Reason prefix of a sign job failed because its build did not (yet) produce the unsigned image. */
export const BUILD_NOT_READY = 'build not ready';
