// The kubernetes build executor against the real hub API server: the Job objects it creates, and its state
// machine driven by writing Job status the way the Job controller would (no kubelet or controller-manager runs in
// the test environment). What kaniko would push is pushed to the real registry by the test.
import type { V1Job, V1JobList } from '@kubernetes/client-node';
import { MEDIA_TYPE, RegistryClient, buildLayer, sha256Digest } from '@kmm-hub/oci';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HubObjects,
  dockerConfigJson,
  startImages,
  uniqueName,
  type ImagesHarness,
} from '../../../../test/fixtures/kmod/hub-images-harness.js';
import type { ImageRequest } from './image-pipeline.js';
import { IMAGE_JOB_NAMES } from '../image-queues/jobs.js';
import { planImageJobs } from './plan-image-jobs.js';
import { KubernetesJobExecutor } from './kubernetes-job.executor.js';

const env = inject('env');
const KERNEL = '6.1.0-56-amd64';
const BUILDER = `${'127.0.0.1:5999'}/tools/kaniko-executor:v1.0`;

function buildJobIdOf(req: ImageRequest): string {
  const plan = planImageJobs(req, { hash: 'sha256', platform: 'linux/amd64', toolkitImages: {} });
  if (!plan.ok || plan.build === undefined) throw new Error('no build planned');
  return plan.build.id;
}

describe(KubernetesJobExecutor.name, () => {
  const namespace = uniqueName('images-kjob');
  const repository = uniqueName('kjob');
  const queuePrefix = uniqueName('t-kjob');
  const hubConfig = {
    BUILD_EXECUTOR: 'kubernetes',
    BUILD_KANIKO_IMAGE: BUILDER,
    BUILD_TIMEOUT_S: '900',
    IMAGE_JOB_LOCK_MS: '1000',
  };
  let objects: HubObjects;
  let sut: ImagesHarness;
  const versions: Record<string, string> = {};
  const registry = new RegistryClient({ registry: env.registry.host, insecure: true });

  beforeAll(async () => {
    objects = await HubObjects.create(env, namespace);
    versions['ConfigMap/gpu-dockerfile'] = await objects.configMap('gpu-dockerfile', { dockerfile: 'FROM scratch\n' });
    versions['Secret/build-token'] = await objects.secret('build-token', { token: 't' });
    versions['Secret/pull-secret'] = await objects.secret(
      'pull-secret',
      { '.dockerconfigjson': dockerConfigJson(env.authRegistry.host, 'kmm', 'x') },
      'kubernetes.io/dockerconfigjson',
    );
    sut = await startImages({ env, namespace, queuePrefix, config: hubConfig });
  });

  afterAll(async () => {
    await sut?.close();
  });

  function request(tag: string): ImageRequest {
    return {
      mcm: 'gpu',
      moduleName: 'gpu',
      moduleNamespace: 'kmm-operator',
      kernel: KERNEL,
      image: `${env.registry.host}/${repository}/gpu:${tag}`,
      build: {
        dockerfileConfigMap: { name: 'gpu-dockerfile' },
        buildArgs: [{ name: 'DRIVER_VERSION', value: '2.0' }],
        secrets: [{ name: 'build-token' }],
        baseImageRegistryTLS: { insecureSkipTLSVerify: true },
        kanikoParams: { tag: 'debug' },
        selector: { 'kubernetes.io/arch': 'amd64' },
      },
      registryTLS: { insecure: true },
      imageRepoSecret: { name: 'pull-secret', resourceVersion: versions['Secret/pull-secret'] ?? '' },
      inputVersions: { ...versions },
    };
  }

  const jobsPath = () => `/apis/batch/v1/namespaces/${namespace}/jobs`;

  async function buildJobs(jobId: string): Promise<V1Job[]> {
    const list = await objects.http.json<V1JobList>('GET', jobsPath(), {
      query: { labelSelector: `${IMAGE_JOB_NAMES.jobLabel}=${jobId.slice(0, 40)}` },
    });
    return list.items.toSorted((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  async function jobNames(jobId: string): Promise<string[]> {
    return (await buildJobs(jobId)).map((j) => j.metadata?.name ?? '');
  }

  /** What the Job controller writes when the pod succeeded or failed. */
  async function finishJob(name: string, outcome: 'succeeded' | 'failed'): Promise<void> {
    const now = new Date().toISOString();
    const condition = (type: string, reason: string, message: string) => ({
      type,
      status: 'True',
      reason,
      message,
      lastProbeTime: now,
      lastTransitionTime: now,
    });
    const status =
      outcome === 'succeeded'
        ? {
            startTime: now,
            completionTime: now,
            succeeded: 1,
            conditions: [
              condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
              condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
            ],
          }
        : {
            startTime: now,
            failed: 1,
            conditions: [
              condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
              condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
            ],
          };
    await objects.http.json('PATCH', `${jobsPath()}/${name}/status`, {
      contentType: 'application/merge-patch+json',
      body: { status },
    });
  }

  /** What kaniko pushes: an image labelled with the build job id. */
  async function pushAsKaniko(image: string, jobId: string): Promise<string> {
    const repo = image.slice(image.indexOf('/') + 1, image.lastIndexOf(':'));
    const layer = await buildLayer([{ path: '/opt/lib/modules/x.ko', content: Buffer.from('\x7fELF') }]);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { [IMAGE_JOB_NAMES.jobLabel]: jobId } },
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      }),
    );
    await registry.pushBlob(repo, layer.blob);
    await registry.pushBlob(repo, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.OCI_MANIFEST,
        config: { mediaType: MEDIA_TYPE.OCI_CONFIG, digest: sha256Digest(config), size: config.byteLength },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
      }),
    );
    return registry.pushManifest(image, manifest, MEDIA_TYPE.OCI_MANIFEST);
  }

  it('creates one Job that runs the builder with the Dockerfile, args, secrets, registry auth and TLS flags', async () => {
    const req = request('first');
    const jobId = buildJobIdOf(req);
    const progress = await sut.pipeline.request(req);
    await expect.poll(() => jobNames(jobId)).toEqual([`kmm-hub-build-${jobId.slice(0, 16)}-1`]);
    const [job] = await buildJobs(jobId);
    expect(job?.metadata?.annotations).toMatchObject({
      [IMAGE_JOB_NAMES.jobAnnotation]: jobId,
      [IMAGE_JOB_NAMES.imageAnnotation]: req.image,
      [IMAGE_JOB_NAMES.kernelAnnotation]: KERNEL,
    });
    expect(job?.spec?.backoffLimit).toBe(0);
    expect(job?.spec?.activeDeadlineSeconds).toBe(900);
    const pod = job?.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(pod?.containers[0]?.image).toBe('127.0.0.1:5999/tools/kaniko-executor:debug');
    expect(pod?.containers[0]?.args).toEqual([
      '--dockerfile=/workspace/Dockerfile',
      '--context=dir:///workspace',
      `--destination=${req.image}`,
      '--reproducible',
      '--build-arg=DRIVER_VERSION=2.0',
      `--build-arg=KERNEL_VERSION=${KERNEL}`,
      `--build-arg=KERNEL_FULL_VERSION=${KERNEL}`,
      '--build-arg=MOD_NAME=gpu',
      '--build-arg=MOD_NAMESPACE=kmm-operator',
      `--label=${IMAGE_JOB_NAMES.jobLabel}=${jobId}`,
      '--insecure',
      '--skip-tls-verify-pull',
    ]);
    expect(pod?.volumes?.map((v) => v.configMap?.name ?? v.secret?.secretName)).toEqual([
      'gpu-dockerfile',
      'build-token',
      'pull-secret',
    ]);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      '/workspace',
      '/run/secrets/build-token',
      '/kaniko/.docker',
    ]);
    await expect.poll(async () => (await sut.pipeline.progress(progress.jobId))?.state).toBe('building');

    // kaniko pushes, the pod succeeds: the image is done and the Job deleted.
    const digest = await pushAsKaniko(req.image, jobId);
    await finishJob(`kmm-hub-build-${jobId.slice(0, 16)}-1`, 'succeeded');
    await expect
      .poll(async () => (await sut.pipeline.progress(progress.jobId))?.state, { timeout: 10_000 })
      .toBe('succeeded');
    expect((await sut.pipeline.progress(progress.jobId))?.digest).toBe(digest);
    await expect.poll(() => jobNames(jobId)).toEqual([]);
  });

  it('keeps a failed Job for its logs and builds again in a new Job', async () => {
    const req = request('retried');
    const jobId = buildJobIdOf(req);
    const progress = await sut.pipeline.request(req);
    const first = `kmm-hub-build-${jobId.slice(0, 16)}-1`;
    const second = `kmm-hub-build-${jobId.slice(0, 16)}-2`;
    await expect.poll(() => jobNames(jobId)).toEqual([first]);
    await finishJob(first, 'failed');
    await expect.poll(() => jobNames(jobId), { timeout: 10_000 }).toEqual([first, second]);
    const retrying = await sut.pipeline.progress(progress.jobId);
    expect(retrying).toMatchObject({ state: 'building', attempts: 1 });
    expect(retrying?.lastError).toMatch(new RegExp(`build Job ${namespace}/${first} failed: BackoffLimitExceeded`));

    await pushAsKaniko(req.image, jobId);
    await finishJob(second, 'succeeded');
    await expect
      .poll(async () => (await sut.pipeline.progress(progress.jobId))?.state, { timeout: 10_000 })
      .toBe('succeeded');
    await expect.poll(() => jobNames(jobId)).toEqual([first]);
  });

  it('adopts the running Job when a restarted hub takes over the build, instead of starting another', async () => {
    const req = request('adopted');
    const jobId = buildJobIdOf(req);
    const progress = await sut.pipeline.request(req);
    const only = `kmm-hub-build-${jobId.slice(0, 16)}-1`;
    await expect.poll(() => jobNames(jobId)).toEqual([only]);

    // The hub goes away mid-build; the Job keeps running in the cluster. A new hub process takes over the queue.
    await sut.close();
    sut = await startImages({ env, namespace, queuePrefix, config: hubConfig });
    await expect
      .poll(async () => (await sut.pipeline.logs(progress.jobId)).join('\n'), { timeout: 15_000 })
      .toMatch(new RegExp(`adopting build Job ${namespace}/${only}`));
    expect(await jobNames(jobId)).toEqual([only]);

    await pushAsKaniko(req.image, jobId);
    await finishJob(only, 'succeeded');
    await expect
      .poll(async () => (await sut.pipeline.progress(progress.jobId))?.state, { timeout: 10_000 })
      .toBe('succeeded');
    expect((await sut.pipeline.progress(progress.jobId))?.attempts).toBe(1);
  });
});
