// The pipeline on real Redis: fleet-wide deduplication by content hash, restarts that lose no queued work, and a
// Redis wiped clean (Kubernetes and the registry stay the source of truth: asking again re-queues, and the worker
// finds the image already pushed). Builds run for real with buildah on a trivial Dockerfile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@kmm-hub/oci';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HubObjects,
  startImages,
  uniqueName,
  type ImagesHarness,
} from '../../../../test/fixtures/kmod/hub-images-harness.js';
import type { ImagePushed, ImageRequest, ImageSettled } from './image-pipeline.js';
import { ImagePipelineService } from './image-pipeline.service.js';
import { QUEUES } from '../image-queues/jobs.js';

const env = inject('env');

describe(ImagePipelineService.name, () => {
  // Made in beforeAll: a run that filters out these tests skips afterAll too, and the folder would stay.
  let workDir: string;
  const namespace = uniqueName('images-pipeline');
  const repository = uniqueName('pipeline');
  const buildah = () => ({
    BUILD_EXECUTOR: 'buildah',
    BUILDAH_STORAGE_DRIVER: 'vfs',
    BUILDAH_ROOT: join(workDir, 'buildah', 'graph'),
    BUILDAH_RUNROOT: join(workDir, 'buildah', 'run'),
  });
  const versions: Record<string, string> = {};
  const open: ImagesHarness[] = [];

  async function start(role: 'all' | 'controller' | 'worker', queuePrefix: string) {
    const harness = await startImages({ env, namespace, queuePrefix, role, config: buildah() });
    open.push(harness);
    return harness;
  }

  async function stop(harness: ImagesHarness) {
    open.splice(open.indexOf(harness), 1);
    await harness.close();
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kmm-hub-pipeline-'));
    const objects = await HubObjects.create(env, namespace);
    versions['ConfigMap/trivial'] = await objects.configMap('trivial', {
      dockerfile: 'FROM scratch\nARG KERNEL_VERSION\nLABEL kernel=${KERNEL_VERSION}\n',
    });
    versions['Secret/signing-key'] = await objects.secret('signing-key', { key: 'unused' });
    versions['Secret/signing-cert'] = await objects.secret('signing-cert', { cert: 'unused' });
  });

  afterAll(async () => {
    for (const harness of open.splice(0)) await harness.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function request(kernel: string, overrides: Partial<ImageRequest> = {}): ImageRequest {
    return {
      mcm: 'fleet-module',
      moduleName: 'fleet-module',
      moduleNamespace: 'kmm-operator',
      kernel,
      image: `${env.registry.host}/${repository}/module:${kernel}`,
      build: { dockerfileConfigMap: { name: 'trivial' } },
      registryTLS: { insecure: true },
      inputVersions: { ...versions },
      ...overrides,
    };
  }

  it('queues one build and one sign per kernel for a thousand clusters on five kernels', async () => {
    const sut = await start('controller', uniqueName('t-dedup'));
    const kernels = ['6.1.0-50-amd64', '6.1.0-51-amd64', '6.1.0-52-amd64', '6.1.0-53-amd64', '6.1.0-54-amd64'];
    const sign = { keySecret: { name: 'signing-key' }, certSecret: { name: 'signing-cert' } };
    const started = Date.now();
    const answers = [];
    for (let cluster = 0; cluster < 1000; cluster++) {
      // Every cluster's reconcile asks for the image of its kernel; the MCM that asks differs, the inputs do not.
      answers.push(await sut.pipeline.request(request(kernels[cluster % 5]!, { mcm: `mcm-${cluster % 7}`, sign })));
    }
    const requestMs = Date.now() - started;
    expect(new Set(answers.map((a) => a.jobId)).size).toBe(5);
    expect(await sut.queues.queue(QUEUES.build).getJobCountByTypes('waiting', 'delayed', 'active', 'completed')).toBe(
      5,
    );
    expect(await sut.queues.queue(QUEUES.sign).getJobCountByTypes('waiting', 'delayed', 'active', 'completed')).toBe(5);
    console.info(
      `1000 requests on 5 kernels: 5 builds, 5 signs queued, ${requestMs} ms (${(requestMs / 1000).toFixed(2)} ms a request)`,
    );
  });

  it('treats a repeated request as a no-op and a changed input as a new job', async () => {
    const sut = await start('controller', uniqueName('t-noop'));
    const first = await sut.pipeline.request(request('6.1.0-56-amd64'));
    const stored = await sut.queues.getJob(QUEUES.build, first.jobId);
    const again = await sut.pipeline.request(request('6.1.0-56-amd64'));
    expect(again).toEqual(first);
    expect((await sut.queues.getJob(QUEUES.build, first.jobId))?.timestamp).toBe(stored?.timestamp);
    const changed = await sut.pipeline.request(
      request('6.1.0-56-amd64', { inputVersions: { ...versions, 'ConfigMap/trivial': '999999' } }),
    );
    expect(changed.jobId).not.toBe(first.jobId);
    expect(await sut.queues.queue(QUEUES.build).getJobCountByTypes('waiting')).toBe(2);
  });

  it('loses no queued work when the hub restarts, and the workers of another hub instance run it', async () => {
    const prefix = uniqueName('t-restart');
    const controller = await start('controller', prefix);
    const req = request('6.1.0-60-amd64');
    const queued = await controller.pipeline.request(req);
    expect(queued.state).toBe('queued');
    await stop(controller);

    // A hub restarted in the controller role sees the same job; a separate worker process builds it.
    const restarted = await start('controller', prefix);
    const settled: ImageSettled[] = [];
    const pushed: ImagePushed[] = [];
    restarted.pipeline.onSettled((s) => settled.push(s));
    restarted.pipeline.onImagePushed((p) => pushed.push(p));
    expect(await restarted.pipeline.progress(queued.jobId)).toMatchObject({ state: 'queued' });
    await start('worker', prefix);
    await expect
      .poll(async () => (await restarted.pipeline.progress(queued.jobId))?.state, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    const done = await restarted.pipeline.progress(queued.jobId);
    await expect
      .poll(() => settled)
      .toEqual([
        {
          jobId: queued.jobId,
          image: req.image,
          kernel: req.kernel,
          state: 'succeeded',
          attempts: 1,
          digest: done?.digest,
          use: 'produced',
        },
      ]);
    expect(pushed).toEqual([{ image: req.image, digest: done?.digest, jobId: queued.jobId }]);
  });

  it('re-queues after Redis lost everything, and the worker finds the image already pushed', async () => {
    const prefix = uniqueName('t-wipe');
    const sut = await start('all', prefix);
    const req = request('6.1.0-61-amd64');
    const first = await sut.pipeline.request(req);
    await expect
      .poll(async () => (await sut.pipeline.progress(first.jobId))?.state, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    const digest = (await sut.pipeline.progress(first.jobId))?.digest;

    for (const name of [QUEUES.build, QUEUES.sign]) await sut.queues.queue(name).obliterate({ force: true });
    expect(await sut.pipeline.progress(first.jobId)).toBeNull();

    const pushed: ImagePushed[] = [];
    sut.pipeline.onImagePushed((p) => pushed.push(p));
    const again = await sut.pipeline.request(req);
    expect(again.jobId).toBe(first.jobId);
    await expect
      .poll(async () => (await sut.pipeline.progress(first.jobId))?.state, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    expect((await sut.pipeline.progress(first.jobId))?.digest).toBe(digest);
    expect((await sut.pipeline.logs(first.jobId)).join('\n')).toMatch(/already holds this build/);
    expect(pushed).toEqual([]);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    expect((await registry.resolveDigest(req.image))?.digest).toBe(digest);
  });
});
