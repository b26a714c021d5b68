// Signing through the `sign` queue with a real module: the hello module compiled against Debian's headers, in a
// module-loader image built with buildah and pushed to the real registry, signed by a worker of the real
// ImagesModule, pulled back and checked with modinfo, openssl cms and the kernel's own sign-file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, parseImageReference, readImageFiles } from '@kmm-hub/oci';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HubObjects,
  dockerConfigJson,
  signImageRequest,
  startImages,
  startReadOnlyRegistry,
  uniqueName,
  type ImagesHarness,
} from '../../../../test/fixtures/kmod/hub-images-harness.js';
import {
  HELLO_MODULE_NAME,
  TestBuildah,
  compileHelloModule,
  createSigningKey,
  modinfo,
  pushModuleLoaderImage,
  run,
  signFile,
  splitSignedModule,
  type CompiledModule,
  type SigningKey,
  ProcessGroup,
} from '@kmm-hub/test-env';
import type { ImageRequest, ImageSettled } from './image-pipeline.js';
import { QUEUES } from '../image-queues/jobs.js';
import { ModuleSignerService } from './module-signer.service.js';
import { planImageJobs } from './plan-image-jobs.js';
import { SignProcessor } from './sign.processor.js';

const env = inject('env');

describe(SignProcessor.name, () => {
  // Made in beforeAll: a run that filters out these tests skips afterAll too, and the folder (a signing key) would stay.
  let workDir: string;
  const namespace = uniqueName('images-sign');
  const repository = uniqueName('sign');
  let group: ProcessGroup;
  let module: CompiledModule;
  let key: SigningKey;
  let objects: HubObjects;
  let sut: ImagesHarness;
  let unsignedImage: string;
  const settled: ImageSettled[] = [];
  const pushed: string[] = [];
  const versions: Record<string, string> = {};

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kmm-hub-sign-'));
    group = new ProcessGroup(workDir);
    module = compileHelloModule(workDir);
    key = createSigningKey(workDir, 'main', 'KMM-Hub queue signing key');
    unsignedImage = `${env.registry.host}/${repository}/hello:${module.kernel}-unsigned`;
    pushModuleLoaderImage(new TestBuildah(workDir), workDir, module, unsignedImage);
    objects = await HubObjects.create(env, namespace);
    versions['Secret/signing-key'] = await objects.secret('signing-key', { key: key.keyPem });
    // The certificate as DER, the key as PEM: the signer takes either form for both.
    versions['Secret/signing-cert'] = await objects.secret('signing-cert', { cert: key.certDer });
    sut = await startImages({ env, namespace, queuePrefix: uniqueName('t-sign') });
    sut.pipeline.onSettled((s) => settled.push(s));
    sut.pipeline.onImagePushed((p) => pushed.push(p.image));
  });

  afterAll(async () => {
    await sut?.close();
    // Set in beforeAll, which may have failed before it got there.
    if (group) await group.stopAll();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function signRequest(overrides: Partial<ImageRequest> & { tag: string }): ImageRequest {
    const { tag, ...rest } = overrides;
    return {
      ...signImageRequest({
        mcm: 'hello',
        moduleNamespace: 'kmm-operator',
        kernel: module.kernel,
        image: `${env.registry.host}/${repository}/hello:${tag}`,
        unsignedImage,
        filesToSign: [`/opt/lib/modules/${module.kernel}/*.ko`],
        inputVersions: versions,
      }),
      ...rest,
    };
  }

  async function settle(req: ImageRequest) {
    const first = await sut.pipeline.request(req);
    await expect
      .poll(async () => (await sut.pipeline.progress(first.jobId))?.state, { timeout: 30_000, interval: 100 })
      .toMatch(/^(succeeded|failed)$/);
    return (await sut.pipeline.progress(first.jobId))!;
  }

  it('signs the module in the image, pushes a new top layer, and modinfo and openssl accept the signature', async () => {
    const req = signRequest({ tag: module.kernel });
    const started = Date.now();
    const progress = await settle(req);
    const signMs = Date.now() - started;
    expect(progress).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(progress.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    await expect
      .poll(() => settled.find((s) => s.jobId === progress.jobId))
      .toMatchObject({
        state: 'succeeded',
        image: req.image,
        kernel: module.kernel,
        digest: progress.digest,
      });
    expect(pushed).toContain(req.image);

    // Pull back through the registry: the signed module, and busybox's modprobe and sleep still there.
    const client = new RegistryClient({ registry: env.registry.host, insecure: true });
    const files = await readImageFiles(client, { image: req.image }, [
      '/opt/lib/modules/**/*.ko',
      '/bin/modprobe',
      '/bin/sleep',
    ]);
    expect(files.digest).toBe(progress.digest);
    expect(files.entries.map((e) => e.path)).toEqual([
      '/bin/modprobe',
      '/bin/sleep',
      `/opt/lib/modules/${module.kernel}/${HELLO_MODULE_NAME}.ko`,
    ]);
    const signed = files.entries.at(-1)?.content as Buffer;
    const signedPath = join(workDir, 'pulled.ko');
    writeFileSync(signedPath, signed);
    expect(modinfo(signedPath, 'signer')).toBe(key.commonName);
    expect(modinfo(signedPath, 'sig_key')).toBe(key.serial);
    expect(modinfo(signedPath, 'sig_hashalgo')).toBe('sha256');

    // Byte for byte what the kernel's sign-file makes of the same module with the same key.
    const reference = join(workDir, 'sign-file.ko');
    run(signFile(), ['sha256', key.keyPath, key.certPath, module.koPath, reference]);
    expect(signed.equals(readFileSync(reference))).toBe(true);

    const { module: content, pkcs7 } = splitSignedModule(signed);
    writeFileSync(join(workDir, 'content.ko'), content);
    writeFileSync(join(workDir, 'sig.p7s'), pkcs7);
    expect(content.equals(module.bytes)).toBe(true);
    const verified = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(workDir, 'sig.p7s'),
      '-content',
      join(workDir, 'content.ko'),
      '-certfile',
      key.certPath,
      '-nointern',
      '-noverify',
      '-out',
      '/dev/null',
    ]);
    expect(verified).toBe('');

    // One layer more than the unsigned image, which is unchanged.
    const unsigned = await client.getManifest(parseImageReference(unsignedImage));
    const final = await client.getManifest(parseImageReference(req.image));
    if (unsigned.parsed.kind !== 'manifest' || final.parsed.kind !== 'manifest') throw new Error('not manifests');
    expect(final.parsed.manifest.layers.slice(0, -1)).toEqual(unsigned.parsed.manifest.layers);
    console.info(`sign through the queue: ${signMs} ms`);
  });

  it('treats a repeated request as a no-op and answers with the signed image', async () => {
    const req = signRequest({ tag: `${module.kernel}-again` });
    const first = await settle(req);
    const again = await sut.pipeline.request({ ...req, mcm: 'another-module' });
    expect(again).toMatchObject({ jobId: first.jobId, state: 'succeeded', digest: first.digest });
    expect(await sut.queues.queue(QUEUES.sign).getJobCountByTypes('waiting', 'delayed', 'active')).toBe(0);
  });

  it('writes byte-identical output for the same job wherever it runs, so a duplicate push changes nothing', async () => {
    const req = signRequest({ tag: 'deterministic-a' });
    const plan = planImageJobs(req, { hash: 'sha256', platform: 'linux/amd64', toolkitImages: {} });
    if (!plan.ok || plan.sign === undefined) throw new Error('no sign planned');
    const signer = sut.moduleRef.get(ModuleSignerService);
    const quiet = { stage: async () => undefined, log: () => undefined, stillOwned: async () => true };
    const a = await signer.sign(plan.sign.data, plan.sign.id, quiet);
    const b = await signer.sign(
      { ...plan.sign.data, image: req.image.replace(/:[^:]+$/, ':deterministic-b') },
      plan.sign.id,
      quiet,
    );
    expect(b.digest).toBe(a.digest);
    expect(a.pushed && b.pushed).toBe(true);
    // Run again on the first tag: the registry already holds this job's output, nothing is pushed.
    expect(await signer.sign(plan.sign.data, plan.sign.id, quiet)).toMatchObject({ digest: a.digest, pushed: false });
  });

  it('signs again, into a new image, when the key Secret changes', async () => {
    const req = signRequest({ tag: `${module.kernel}-rotated` });
    const before = await settle(req);
    const rotated = createSigningKey(workDir, 'rotated', 'KMM-Hub rotated key');
    const keyVersion = await objects.secret('rotated-key', { key: rotated.keyPem });
    const certVersion = await objects.secret('rotated-cert', { cert: rotated.certPem });
    const after = await settle({
      ...req,
      sign: { ...req.sign!, keySecret: { name: 'rotated-key' }, certSecret: { name: 'rotated-cert' } },
      inputVersions: { ...req.inputVersions, 'Secret/rotated-key': keyVersion, 'Secret/rotated-cert': certVersion },
    });
    expect(after.jobId).not.toBe(before.jobId);
    expect(after).toMatchObject({ state: 'succeeded' });
    expect(after.digest).not.toBe(before.digest);
    const client = new RegistryClient({ registry: env.registry.host, insecure: true });
    const files = await readImageFiles(client, { image: req.image }, ['/opt/lib/modules/**/*.ko']);
    writeFileSync(join(workDir, 'rotated.ko'), files.entries[0]?.content as Buffer);
    expect(modinfo(join(workDir, 'rotated.ko'), 'signer')).toBe('KMM-Hub rotated key');
  });

  it('fails a job whose Secret changed after it was queued, as superseded', async () => {
    const version = await objects.secret('moving-key', { key: key.keyPem });
    const req = signRequest({ tag: 'superseded' });
    const progress = await settle({
      ...req,
      sign: { ...req.sign!, keySecret: { name: 'moving-key' } },
      inputVersions: { ...req.inputVersions, 'Secret/moving-key': `${Number(version) - 1}` },
    });
    expect(progress).toMatchObject({ state: 'failed', permanent: true, attempts: 1 });
    expect(progress.lastError).toMatch(/Secret .*\/moving-key changed since the job was queued/);
  });

  describe('bad input fails the image at once with a clear error', () => {
    const cases: [string, () => Promise<Partial<ImageRequest>>, RegExp][] = [
      [
        'a missing key Secret',
        async () => ({ sign: { ...signRequest({ tag: 'x' }).sign!, keySecret: { name: 'no-such-key' } } }),
        new RegExp(`Secret ${'images-sign'}-[0-9a-f]+/no-such-key not found`),
      ],
      [
        'a key Secret without the key "key"',
        async () => {
          await objects.secret('wrong-key-name', { 'tls.key': key.keyPem });
          return { sign: { ...signRequest({ tag: 'x' }).sign!, keySecret: { name: 'wrong-key-name' } } };
        },
        /signing key Secret .*\/wrong-key-name has no key "key"/,
      ],
      [
        'a malformed key',
        async () => {
          await objects.secret('malformed-key', {
            key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n',
          });
          return { sign: { ...signRequest({ tag: 'x' }).sign!, keySecret: { name: 'malformed-key' } } };
        },
        /sign \/opt\/lib\/modules\/.*\.ko: read signing key/,
      ],
      [
        'a key that does not match the certificate',
        async () => {
          await objects.secret('mismatched-key', { key: createSigningKey(workDir, 'other', 'other key').keyPem });
          return { sign: { ...signRequest({ tag: 'x' }).sign!, keySecret: { name: 'mismatched-key' } } };
        },
        /signing key does not match the certificate/,
      ],
      [
        'filesToSign that match nothing',
        async () => ({ sign: { ...signRequest({ tag: 'x' }).sign!, filesToSign: ['/opt/lib/modules/*/missing.ko'] } }),
        /filesToSign \(\/opt\/lib\/modules\/\*\/missing\.ko\) match no file in/,
      ],
      [
        'an unsigned image on a registry that refuses us',
        async () => ({
          sign: {
            ...signRequest({ tag: 'x' }).sign!,
            unsignedImage: `${env.authRegistry.host}/${repository}/hello:none`,
          },
        }),
        /registry 127\.0\.0\.1:\d+: .*401/,
      ],
      [
        'a final image on a registry that refuses the push',
        async () => ({ image: `${(await startReadOnlyRegistry(group, workDir)).host}/${repository}/hello:refused` }),
        /registry 127\.0\.0\.1:\d+: push blob .*405/,
      ],
    ];
    it.each(cases)('%s', async (_, change, message) => {
      const req = { ...signRequest({ tag: uniqueName('bad') }), ...(await change()) };
      const progress = await settle({ ...req, inputVersions: { ...req.inputVersions } });
      expect(progress).toMatchObject({ state: 'failed', permanent: true, attempts: 1 });
      expect(progress.lastError).toMatch(message);
      expect(progress.lastError).not.toContain('PRIVATE KEY');
      const logs = await sut.pipeline.logs(progress.jobId);
      expect(logs.join('\n')).toMatch(message);
      expect(logs.join('\n')).not.toContain(key.keyPem.split('\n')[1]);
    });
  });

  it('reads the unsigned image with the imageRepoSecret from a registry that requires it', async () => {
    const authUnsigned = `${env.authRegistry.host}/${repository}/hello:${module.kernel}-unsigned`;
    run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${env.authRegistry.username}:${env.authRegistry.password}`,
      `docker://${unsignedImage}`,
      `docker://${authUnsigned}`,
    ]);
    const pullSecret = dockerConfigJson(env.authRegistry.host, env.authRegistry.username!, env.authRegistry.password!);
    const rv = await objects.secret(
      'pull-secret',
      { '.dockerconfigjson': pullSecret },
      'kubernetes.io/dockerconfigjson',
    );
    const req = signRequest({ tag: 'from-auth' });
    const progress = await settle({
      ...req,
      image: `${env.authRegistry.host}/${repository}/hello:${module.kernel}`,
      sign: { ...req.sign!, unsignedImage: authUnsigned },
      imageRepoSecret: { name: 'pull-secret', resourceVersion: rv },
    });
    expect(progress).toMatchObject({ state: 'succeeded' });
  });
});
