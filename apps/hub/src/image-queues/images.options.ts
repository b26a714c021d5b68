// Options of the image pipeline, taken from the hub configuration once, and the Nest tokens of the module.
import type { HashAlgorithm } from '@kmm-hub/kmod-sign';
import type { HubConfig } from '../config/config.schema.js';
import type { QueueName } from './jobs.js';

export const IMAGES_OPTIONS = Symbol('IMAGES_OPTIONS');
/** The BuildExecutor chosen by BUILD_EXECUTOR. */
export const BUILD_EXECUTOR = Symbol('BUILD_EXECUTOR');

export interface BuildahOptions {
  path: string;
  isolation: 'chroot' | 'oci' | 'rootless';
  storageDriver?: 'vfs' | 'overlay';
  root?: string;
  runroot?: string;
  /** Folder for the build folders; default /dev/shm when it exists, else the temp folder. */
  workDir?: string;
}

export interface ImagesOptions {
  /** Hub namespace: Dockerfile ConfigMaps, build and signing Secrets, imageRepoSecrets, build Jobs. */
  namespace: string;
  redisUrl: string;
  queuePrefix: string;
  concurrency: Readonly<Record<QueueName, number>>;
  attempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  lockMs: number;
  retryFailedAfterMs: number;
  logLines: number;
  keepCompletedS: number;
  keepFailedS: number;
  /** How long a sign job sleeps between looks at its unfinished build (the build wakes it when done). */
  signWaitForBuildMs: number;
  platform: string;
  signHash: HashAlgorithm;
  toolkitImages: Readonly<Record<string, string>>;
  build: {
    executor: 'kubernetes' | 'buildah';
    timeoutS: number;
    kanikoImage: string;
    jobPollMs: number;
    buildah: BuildahOptions;
  };
}

const SIGN_WAIT_FOR_BUILD_MS = 30_000;

export function imagesOptionsFromConfig(config: HubConfig): ImagesOptions {
  return {
    namespace: config.HUB_NAMESPACE,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
    concurrency: { build: config.BUILD_CONCURRENCY, sign: config.SIGN_CONCURRENCY },
    attempts: config.IMAGE_JOB_ATTEMPTS,
    backoffMs: config.IMAGE_JOB_BACKOFF_MS,
    backoffMaxMs: config.IMAGE_JOB_BACKOFF_MAX_MS,
    lockMs: config.IMAGE_JOB_LOCK_MS,
    retryFailedAfterMs: config.IMAGE_JOB_RETRY_FAILED_AFTER_S * 1000,
    logLines: config.IMAGE_JOB_LOG_LINES,
    keepCompletedS: config.IMAGE_JOB_KEEP_COMPLETED_S,
    keepFailedS: config.IMAGE_JOB_KEEP_FAILED_S,
    signWaitForBuildMs: SIGN_WAIT_FOR_BUILD_MS,
    platform: config.IMAGE_PLATFORM,
    signHash: config.SIGN_HASH,
    toolkitImages: config.BUILD_TOOLKIT_IMAGES,
    build: {
      executor: config.BUILD_EXECUTOR,
      timeoutS: config.BUILD_TIMEOUT_S,
      kanikoImage: config.BUILD_KANIKO_IMAGE,
      jobPollMs: config.BUILD_JOB_POLL_MS,
      buildah: {
        path: config.BUILDAH_PATH,
        isolation: config.BUILDAH_ISOLATION,
        ...(config.BUILDAH_STORAGE_DRIVER !== undefined ? { storageDriver: config.BUILDAH_STORAGE_DRIVER } : {}),
        ...(config.BUILDAH_ROOT !== undefined ? { root: config.BUILDAH_ROOT } : {}),
        ...(config.BUILDAH_RUNROOT !== undefined ? { runroot: config.BUILDAH_RUNROOT } : {}),
        ...(config.BUILDAH_WORK_DIR !== undefined ? { workDir: config.BUILDAH_WORK_DIR } : {}),
      },
    },
  };
}
