// Pure: the Kubernetes Job of one build attempt, running a kaniko-compatible builder, and the reading of its
// status. The Dockerfile comes from the module's ConfigMap (key `dockerfile`), build Secrets are mounted at
// /run/secrets/<name>, the imageRepoSecret becomes the builder's docker config, TLS flags become kaniko flags.
import type { V1Job } from '@kubernetes/client-node';
import { allowsPlainHttp, formatImageReference, parseImageReference } from '@kmm-hub/oci';
import { IMAGE_JOB_NAMES } from '../image-queues/jobs.js';
import type { BuildSpec } from './build-executor.js';

export interface BuildJobOptions {
  namespace: string;
  /** Builder image; `spec.kanikoTag` replaces its tag. */
  builderImage: string;
  timeoutS: number;
  /** 1 for the first Job of a build, then 2, 3, … for Jobs after failed ones (which are kept for their logs). */
  index: number;
}

export const BUILD_JOB_NAME_PREFIX = 'kmm-hub-build-';
/** Label values hold at most 63 characters; 40 hex digits (160 bits) of the job id are plenty to select by. */
const JOB_LABEL_ID_LENGTH = 40;
const JOB_NAME_ID_LENGTH = 16;
export const BUILDER_CONTAINER = 'builder';
const DOCKERFILE_KEY = 'dockerfile';

export function buildJobLabelValue(jobId: string): string {
  return jobId.slice(0, JOB_LABEL_ID_LENGTH);
}

export function buildJobName(jobId: string, index: number): string {
  return `${BUILD_JOB_NAME_PREFIX}${jobId.slice(0, JOB_NAME_ID_LENGTH)}-${index}`;
}

/** The index at the end of a build Job's name, or 0 for a name we did not write. */
export function buildJobIndex(name: string): number {
  const match = /-(\d+)$/.exec(name);
  return match === null ? 0 : Number(match[1]);
}

/** The builder image with `kanikoParams.tag` in place of its tag (registry ports are kept, unlike upstream). */
export function builderImageFor(builderImage: string, tag: string | undefined): string {
  if (tag === undefined || tag.length === 0) return builderImage;
  const ref = parseImageReference(builderImage);
  return formatImageReference({ registry: ref.registry, repository: ref.repository, tag });
}

export function renderBuildJob(spec: BuildSpec, options: BuildJobOptions): V1Job {
  const labels = {
    'app.kubernetes.io/name': 'kmm-hub',
    'app.kubernetes.io/component': 'build',
    'app.kubernetes.io/part-of': 'kmm-hub',
    [IMAGE_JOB_NAMES.jobLabel]: buildJobLabelValue(spec.jobId),
  };
  const args = [
    `--dockerfile=/workspace/Dockerfile`,
    `--context=dir:///workspace`,
    `--destination=${spec.target}`,
    '--reproducible',
    ...spec.buildArgs.map((a) => `--build-arg=${a.name}=${a.value}`),
    ...Object.entries(spec.labels)
      .toSorted(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `--label=${k}=${v}`),
  ];
  // kaniko reaches registries through go-containerregistry, whose rule (libs/oci registry-scheme.ts) already lets
  // loopback and private registries fall back to plain HTTP; saying it explicitly keeps other kaniko-compatible
  // builders in line with the hub's own client. Base images are left to that rule inside the builder: the FROM
  // lines are not read here, and `--insecure-pull` would apply to every base image alike.
  if (spec.registryTLS.insecure || allowsPlainHttp(parseImageReference(spec.target).registry)) args.push('--insecure');
  if (spec.registryTLS.insecureSkipTLSVerify) args.push('--skip-tls-verify');
  if (spec.baseImageRegistryTLS.insecure) args.push('--insecure-pull');
  if (spec.baseImageRegistryTLS.insecureSkipTLSVerify) args.push('--skip-tls-verify-pull');

  const volumes: NonNullable<NonNullable<V1Job['spec']>['template']['spec']>['volumes'] = [
    {
      name: 'dockerfile',
      configMap: { name: spec.dockerfileConfigMap, items: [{ key: DOCKERFILE_KEY, path: 'Dockerfile' }] },
    },
  ];
  const mounts = [{ name: 'dockerfile', mountPath: '/workspace', readOnly: true }];
  spec.secrets.forEach((secretName, i) => {
    volumes.push({ name: `secret-${i}`, secret: { secretName } });
    mounts.push({ name: `secret-${i}`, mountPath: `/run/secrets/${secretName}`, readOnly: true });
  });
  if (spec.imageRepoSecret !== undefined) {
    volumes.push({
      name: 'registry-auth',
      secret: { secretName: spec.imageRepoSecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
    });
    mounts.push({ name: 'registry-auth', mountPath: '/kaniko/.docker', readOnly: true });
  }

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: buildJobName(spec.jobId, options.index),
      namespace: options.namespace,
      labels,
      annotations: {
        [IMAGE_JOB_NAMES.jobAnnotation]: spec.jobId,
        [IMAGE_JOB_NAMES.imageAnnotation]: spec.target,
        [IMAGE_JOB_NAMES.kernelAnnotation]: spec.kernel,
      },
    },
    spec: {
      // Retries are the queue's: one pod per Job, a new Job per attempt, failed Jobs kept for their logs.
      backoffLimit: 0,
      activeDeadlineSeconds: options.timeoutS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(spec.selector !== undefined ? { nodeSelector: { ...spec.selector } } : {}),
          containers: [
            {
              name: BUILDER_CONTAINER,
              image: builderImageFor(options.builderImage, spec.kanikoTag),
              args,
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

export type BuildJobPhase =
  | { phase: 'pending' }
  | { phase: 'running' }
  | { phase: 'succeeded' }
  | { phase: 'failed'; reason: string; message: string };

/** Where a build Job stands, from its status as the Job controller writes it. */
export function readBuildJobPhase(job: V1Job): BuildJobPhase {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  if (isTrue('Complete') !== undefined || isTrue('SuccessCriteriaMet') !== undefined) return { phase: 'succeeded' };
  const failed = isTrue('Failed') ?? isTrue('FailureTarget');
  if (failed !== undefined) {
    return { phase: 'failed', reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
  }
  if ((job.status?.succeeded ?? 0) > 0) return { phase: 'succeeded' };
  if ((job.status?.failed ?? 0) > (job.spec?.backoffLimit ?? 6)) {
    return { phase: 'failed', reason: 'PodFailed', message: `${job.status?.failed ?? 0} pod(s) failed` };
  }
  if ((job.status?.active ?? 0) > 0 || (job.status?.ready ?? 0) > 0) return { phase: 'running' };
  return { phase: 'pending' };
}
