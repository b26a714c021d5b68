// Builds through the `build` queue with the buildah executor for real (chroot isolation, vfs storage in a temp
// folder), then signs through the `sign` queue: a Dockerfile from a ConfigMap builds on a module-loader image
// holding a real .ko, reads a build secret and the forced build args, is pushed to the real registry under an
// unsigned tag, signed, and pushed under the final tag.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, parseImageConfig, parseImageReference, readImageFiles } from '@kmm-hub/oci';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HubObjects,
  startImages,
  startReadOnlyRegistry,
  uniqueName,
  type ImagesHarness,
} from '../../../../test/fixtures/kmod/hub-images-harness.js';
import {
  pushImage,
  HELLO_MODULE_NAME,
  TestBuildah,
  compileHelloModule,
  createSigningKey,
  modinfo,
  pushModuleLoaderImage,
  type CompiledModule,
  type SigningKey,
  ProcessGroup,
} from '@kmm-hub/test-env';
import { BuildProcessor } from './build.processor.js';
import { BuildahExecutor } from './buildah.executor.js';
import type { ImageAttemptFailed, ImagePushed, ImageRequest, ImageSettled } from './image-pipeline.js';
import { IMAGE_JOB_NAMES, QUEUES, WAITING_FOR_BUILD_STAGE } from '../image-queues/jobs.js';
import { planImageJobs } from './plan-image-jobs.js';

const env = inject('env');
const TOKEN = 's3cret-build-token';

function readStage(progress: unknown): unknown {
  return typeof progress === 'object' && progress !== null ? (progress as { stage?: unknown }).stage : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe(`${BuildProcessor.name} with buildah`, () => {
  // Made in beforeAll: a run that filters out these tests skips afterAll too, and the folder (a signing key) would stay.
  let workDir: string;
  let group: ProcessGroup;
  const namespace = uniqueName('images-build');
  const repository = uniqueName('build');
  let module: CompiledModule;
  let key: SigningKey;
  let objects: HubObjects;
  let sut: ImagesHarness;
  let baseImage: string;
  const versions: Record<string, string> = {};
  const pushed: ImagePushed[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kmm-hub-build-'));
    group = new ProcessGroup(workDir);
    module = compileHelloModule(workDir);
    key = createSigningKey(workDir, 'build', 'KMM-Hub build-and-sign key');
    baseImage = `${env.registry.host}/${repository}/loader:${module.kernel}`;
    pushModuleLoaderImage(new TestBuildah(workDir), workDir, module, baseImage);
    objects = await HubObjects.create(env, namespace);
    versions['ConfigMap/hello-dockerfile'] = await objects.configMap('hello-dockerfile', {
      dockerfile: [
        `FROM ${baseImage}`,
        'ARG KERNEL_VERSION',
        'ARG MOD_NAME',
        'ARG DRIVER_VERSION',
        `RUN test -f /opt/lib/modules/\${KERNEL_VERSION}/${HELLO_MODULE_NAME}.ko \\`,
        // The secret is compared by hash, so that the build log (which echoes each step) never holds it.
        `  && test "$(sha256sum < /run/secrets/build-token/token | cut -d ' ' -f 1)" = "${sha256(TOKEN)}" \\`,
        '  && mkdir -p /etc/kmm && echo "${MOD_NAME} ${DRIVER_VERSION} ${KERNEL_VERSION}" > /etc/kmm/build-info',
        '',
      ].join('\n'),
    });
    versions['Secret/build-token'] = await objects.secret('build-token', { token: TOKEN });
    versions['Secret/signing-key'] = await objects.secret('signing-key', { key: key.keyPem });
    versions['Secret/signing-cert'] = await objects.secret('signing-cert', { cert: key.certPem });
    sut = await startImages({
      env,
      namespace,
      queuePrefix: uniqueName('t-build'),
      config: {
        BUILD_EXECUTOR: 'buildah',
        BUILDAH_STORAGE_DRIVER: 'vfs',
        BUILDAH_ROOT: join(workDir, 'hub-buildah', 'graph'),
        BUILDAH_RUNROOT: join(workDir, 'hub-buildah', 'run'),
      },
    });
    sut.pipeline.onImagePushed((p) => pushed.push(p));
  });

  afterAll(async () => {
    await sut?.close();
    // Set in beforeAll, which may have failed before it got there.
    if (group) await group.stopAll();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function buildRequest(tag: string, overrides: Partial<ImageRequest> = {}): ImageRequest {
    return {
      mcm: 'hello',
      moduleName: 'hello',
      moduleNamespace: 'kmm-operator',
      kernel: module.kernel,
      image: `${env.registry.host}/${repository}/hello:${tag}`,
      build: {
        dockerfileConfigMap: { name: 'hello-dockerfile' },
        buildArgs: [{ name: 'DRIVER_VERSION', value: '1.2.3' }],
        secrets: [{ name: 'build-token' }],
        baseImageRegistryTLS: { insecure: true },
      },
      registryTLS: { insecure: true },
      inputVersions: { ...versions },
      ...overrides,
    };
  }

  async function settle(req: ImageRequest, timeout = 45_000) {
    const first = await sut.pipeline.request(req);
    await expect
      .poll(async () => (await sut.pipeline.progress(first.jobId))?.state, { timeout, interval: 200 })
      .toMatch(/^(succeeded|failed)$/);
    return (await sut.pipeline.progress(first.jobId))!;
  }

  it('builds, pushes an unsigned tag, signs it and pushes the final image', async () => {
    const req = buildRequest(module.kernel, {
      sign: {
        keySecret: { name: 'signing-key' },
        certSecret: { name: 'signing-cert' },
        filesToSign: [`/opt/lib/modules/${module.kernel}/*.ko`],
      },
    });
    const plan = planImageJobs(req, { hash: 'sha256', platform: 'linux/amd64', toolkitImages: {} });
    if (!plan.ok || plan.build === undefined) throw new Error('no build planned');
    const started = Date.now();
    const progress = await settle(req);
    const totalMs = Date.now() - started;
    expect(progress).toMatchObject({ jobId: plan.jobId, state: 'succeeded', attempts: 1 });

    const client = new RegistryClient({ registry: env.registry.host, insecure: true });
    const files = await readImageFiles(client, { image: req.image }, [
      '/etc/kmm/*',
      '/opt/lib/modules/**/*.ko',
      '/run/**',
    ]);
    expect(files.digest).toBe(progress.digest);
    expect(files.entries.map((e) => e.path)).toEqual([
      '/etc/kmm/build-info',
      `/opt/lib/modules/${module.kernel}/${HELLO_MODULE_NAME}.ko`,
    ]);
    expect(files.entries[0]?.content?.toString()).toBe(`hello 1.2.3 ${module.kernel}\n`);
    const ko = join(workDir, 'built-and-signed.ko');
    writeFileSync(ko, files.entries[1]?.content as Buffer);
    expect(modinfo(ko, 'signer')).toBe(key.commonName);
    expect(modinfo(ko, 'sig_hashalgo')).toBe('sha256');

    // The unsigned tag carries the build's label; the final image, the sign's history comment.
    const unsigned = plan.build.data.target;
    const unsignedManifest = await client.getManifest(parseImageReference(unsigned));
    if (unsignedManifest.parsed.kind !== 'manifest') throw new Error('not a manifest');
    const config = parseImageConfig(
      await client.getBlob(parseImageReference(unsigned).repository, unsignedManifest.parsed.manifest.config.digest),
    );
    expect(config.config?.['Labels']).toMatchObject({ [IMAGE_JOB_NAMES.jobLabel]: plan.build.id });
    expect(pushed.map((p) => p.image)).toEqual(expect.arrayContaining([unsigned, req.image]));

    const logs = (await sut.pipeline.logs(progress.jobId)).join('\n');
    expect(logs).toMatch(/STEP 1\/6: FROM/);
    expect(logs).toMatch(/signed \/opt\/lib\/modules\/.*\.ko/);
    expect(logs).not.toContain(TOKEN);
    console.info(`build + sign through the queues (buildah): ${totalMs} ms`);
  });

  it('lets a sign job that starts before its build wait for it, without using an attempt', async () => {
    const queuePrefix = uniqueName('t-wait');
    const config = {
      BUILD_EXECUTOR: 'buildah',
      BUILDAH_STORAGE_DRIVER: 'vfs',
      BUILDAH_ROOT: join(workDir, 'hub-buildah', 'graph'),
      BUILDAH_RUNROOT: join(workDir, 'hub-buildah', 'run'),
    };
    const controller = await startImages({ env, namespace, queuePrefix, role: 'controller', config });
    let worker: ImagesHarness | undefined;
    try {
      const req = buildRequest(`${module.kernel}-waited`, {
        sign: { keySecret: { name: 'signing-key' }, certSecret: { name: 'signing-cert' } },
      });
      const { jobId } = await controller.pipeline.request(req);
      // Hold every build, and make the sign job runnable now: it must notice and go back to sleep.
      await controller.queues.queue(QUEUES.build).pause();
      await (await controller.queues.getJob(QUEUES.sign, jobId))?.promote();
      worker = await startImages({ env, namespace, queuePrefix, role: 'worker', config });
      const signJob = async () => controller.queues.getJob(QUEUES.sign, jobId);
      await expect
        .poll(async () => {
          const job = await signJob();
          return [await job?.getState(), readStage(job?.progress)];
        })
        .toEqual(['delayed', WAITING_FOR_BUILD_STAGE]);
      expect(await controller.pipeline.progress(jobId)).toMatchObject({ state: 'queued', attempts: 0 });

      await controller.queues.queue(QUEUES.build).resume();
      await expect
        .poll(async () => (await controller.pipeline.progress(jobId))?.state, { timeout: 45_000, interval: 200 })
        .toBe('succeeded');
      const done = await signJob();
      expect(done?.attemptsMade).toBe(1);
      expect(done?.attemptsStarted).toBeGreaterThanOrEqual(2);
    } finally {
      await worker?.close();
      await controller.close();
    }
  });

  it('builds without sign straight into the final image, once for every module asking', async () => {
    const req = buildRequest('plain');
    const [a, b] = await Promise.all([
      sut.pipeline.request(req),
      sut.pipeline.request({ ...req, mcm: 'another-module-same-inputs' }),
    ]);
    expect(b.jobId).toBe(a.jobId);
    const progress = await settle(req);
    expect(progress).toMatchObject({ state: 'succeeded', attempts: 1 });
    const client = new RegistryClient({ registry: env.registry.host, insecure: true });
    expect((await client.resolveDigest(req.image))?.digest).toBe(progress.digest);
  });

  it('pulls and pushes over plain HTTP on the loopback registry without any registryTLS', async () => {
    const { registryTLS: _tls, ...req } = buildRequest('no-registry-tls');
    const progress = await settle({ ...req, build: { ...req.build!, baseImageRegistryTLS: {} } });
    expect(progress).toMatchObject({ state: 'succeeded', attempts: 1 });
    const client = new RegistryClient({ registry: env.registry.host });
    expect((await client.resolveDigest(req.image))?.digest).toBe(progress.digest);
  });

  describe('a tag that exists already', () => {
    const client = new RegistryClient({ registry: env.registry.host });
    const settled: ImageSettled[] = [];
    beforeAll(() => sut.pipeline.onSettled((s) => settled.push(s)));
    const pushForeign = (tag: string, content: string) =>
      pushImage(client, `${repository}/hello`, tag, [{ path: '/opt/foreign', content: Buffer.from(content) }]);

    it('is used as it is when this hub did not build it: not rebuilt, digest unchanged, said in the progress', async () => {
      const foreign = await pushForeign('foreign', 'made elsewhere');
      // No registryTLS anywhere: the loopback registry is reached over plain HTTP by the go-containerregistry rule.
      const { registryTLS: _tls, ...req } = buildRequest('foreign', { presentDigest: foreign.digest });
      const progress = await settle({ ...req, build: { ...req.build!, baseImageRegistryTLS: {} } });
      expect(progress).toMatchObject({ state: 'succeeded', digest: foreign.digest });
      expect(progress.note).toMatch(/was not built by this hub .* used as it is/);
      expect((await client.resolveDigest(req.image))?.digest).toBe(foreign.digest);
      expect(pushed.filter((p) => p.image === req.image)).toEqual([]);
      await expect
        .poll(() => settled.filter((s) => s.jobId === progress.jobId))
        .toMatchObject([{ state: 'succeeded', use: 'kept', digest: foreign.digest }]);
    });

    it('is rebuilt when this hub built it for other inputs, and the replacement is said', async () => {
      const first = await settle(buildRequest('changed'));
      expect(first).toMatchObject({ state: 'succeeded' });
      expect(first.note).toBeUndefined();
      const changed = buildRequest('changed', {
        build: { ...buildRequest('x').build!, buildArgs: [{ name: 'DRIVER_VERSION', value: '1.2.4' }] },
        presentDigest: first.digest!,
      });
      const second = await settle(changed);
      expect(second).toMatchObject({ state: 'succeeded' });
      expect(second.jobId).not.toBe(first.jobId);
      expect(second.digest).not.toBe(first.digest);
      expect(second.note).toContain(`held this hub's image ${first.digest}`);
      const manifest = await client.getManifest(parseImageReference(changed.image));
      if (manifest.parsed.kind !== 'manifest') throw new Error('not a manifest');
      expect(manifest.digest).toBe(second.digest);
      expect(manifest.parsed.manifest.annotations).toMatchObject({
        [IMAGE_JOB_NAMES.inputsHashAnnotation]: second.jobId,
      });
      await expect
        .poll(() => settled.filter((s) => s.jobId === second.jobId))
        .toMatchObject([{ state: 'succeeded', use: 'replaced' }]);
    });

    it('is left alone, and said so once, when another party pushed over it after the build', async () => {
      const built = await settle(buildRequest('overwritten'));
      expect(built).toMatchObject({ state: 'succeeded' });
      const foreign = await pushForeign('overwritten', 'pushed over the hub');
      const req = buildRequest('overwritten', { presentDigest: foreign.digest });
      const again = await sut.pipeline.request(req);
      expect(again).toMatchObject({ jobId: built.jobId, state: 'succeeded' });
      expect(again.note).toMatch(/changed after this hub's job .* now holds sha256:[0-9a-f]{64}, .* not overwritten/);
      expect(await sut.pipeline.request(req)).toMatchObject({ note: again.note });
      expect(settled.filter((s) => s.jobId === built.jobId && s.use === 'kept')).toMatchObject([
        { digest: foreign.digest, note: again.note },
      ]);
      expect((await client.resolveDigest(req.image))?.digest).toBe(foreign.digest);
      expect(await (await sut.queues.getJob(QUEUES.build, built.jobId))?.getState()).toBe('completed');
    });
  });

  const reproducibleSpec = (tag: string) => ({
    jobId: 'f'.repeat(64),
    target: `${env.registry.host}/${repository}/reproducible:${tag}`,
    kernel: module.kernel,
    dockerfileConfigMap: 'unused',
    buildArgs: [{ name: 'KERNEL_VERSION', value: module.kernel }],
    secrets: ['build-token'],
    baseImageRegistryTLS: { insecure: true, insecureSkipTLSVerify: false },
    registryTLS: { insecure: true, insecureSkipTLSVerify: false },
    labels: { [IMAGE_JOB_NAMES.jobLabel]: 'f'.repeat(64) },
    annotations: { [IMAGE_JOB_NAMES.inputsHashAnnotation]: 'f'.repeat(64) },
  });

  it('builds byte-identical images from the same inputs (timestamps pinned), so a duplicate push changes nothing', async () => {
    const executor = sut.moduleRef.get(BuildahExecutor);
    const quiet = { stage: async () => undefined, log: () => undefined, stillOwned: async () => true };
    const inputs = {
      dockerfile: `FROM ${baseImage}\nARG KERNEL_VERSION\nRUN mkdir -p /etc/kmm && echo "$KERNEL_VERSION" > /etc/kmm/kernel\n`,
      secrets: new Map([['build-token', new Map([['token', Buffer.from(TOKEN)]])]]),
    };
    const a = await executor.build(reproducibleSpec('a'), inputs, quiet, AbortSignal.timeout(60_000));
    const b = await executor.build(reproducibleSpec('b'), inputs, quiet, AbortSignal.timeout(60_000));
    expect(b.digest).toBe(a.digest);
  });

  it('keeps the log tail of a failing build command and retries it with backoff', async () => {
    await objects.configMap('failing-dockerfile', {
      dockerfile: `FROM ${baseImage}\nRUN echo kmm-build-failure-marker && false\n`,
    });
    const attempts: ImageAttemptFailed[] = [];
    const settled: ImageSettled[] = [];
    sut.pipeline.onAttemptFailed((a) => attempts.push(a));
    sut.pipeline.onSettled((s) => settled.push(s));
    const progress = await settle(
      buildRequest('failing', {
        build: { ...buildRequest('x').build!, dockerfileConfigMap: { name: 'failing-dockerfile' } },
      }),
    );
    await expect
      .poll(() => settled.filter((s) => s.jobId === progress.jobId))
      .toMatchObject([{ state: 'failed', attempts: 3, lastError: progress.lastError }]);
    expect(attempts.filter((a) => a.jobId === progress.jobId).map((a) => a.attempts)).toEqual([1, 2]);
    expect(progress).toMatchObject({ state: 'failed', attempts: 3, permanent: false });
    expect(progress.lastError).toMatch(/buildah build exited with \d+; last log lines:/);
    expect(progress.lastError).toContain('kmm-build-failure-marker');
    expect((await sut.pipeline.logs(progress.jobId)).filter((l) => l.includes('attempt')).length).toBe(3);
  });

  describe('bad input fails the image at once with a clear error', () => {
    const cases: [string, () => Promise<Partial<ImageRequest>>, RegExp][] = [
      [
        'a missing Dockerfile ConfigMap',
        async () => ({
          build: { dockerfileConfigMap: { name: 'no-such-dockerfile' }, baseImageRegistryTLS: { insecure: true } },
        }),
        /ConfigMap images-build-[0-9a-f]+\/no-such-dockerfile not found/,
      ],
      [
        'a Dockerfile ConfigMap without the key',
        async () => {
          await objects.configMap('keyless-dockerfile', { Dockerfile: 'FROM scratch\n' });
          return { build: { dockerfileConfigMap: { name: 'keyless-dockerfile' } } };
        },
        /ConfigMap .*\/keyless-dockerfile has no key "dockerfile"/,
      ],
      [
        'a missing build secret',
        async () => ({ build: { ...buildRequest('x').build!, secrets: [{ name: 'no-such-secret' }] } }),
        /Secret .*\/no-such-secret not found/,
      ],
      [
        'a final image on a registry that refuses the push',
        async () => ({ image: `${(await startReadOnlyRegistry(group, workDir)).host}/${repository}/hello:refused` }),
        /buildah push was refused: Error: .*StatusCode: 405/,
      ],
      [
        'a final image on a registry that refuses us',
        async () => ({ image: `${env.authRegistry.host}/${repository}/hello:unauthorized` }),
        /registry 127\.0\.0\.1:\d+: HEAD manifest .*: 401/,
      ],
    ];
    it.each(cases)('%s', async (_, change, message) => {
      const progress = await settle({ ...buildRequest(uniqueName('bad')), ...(await change()) });
      expect(progress).toMatchObject({ state: 'failed', permanent: true, attempts: 1 });
      expect(progress.lastError).toMatch(message);
    });
  });
});
