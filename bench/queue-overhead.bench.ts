// Queue overhead of the image pipeline (issue 4): 20 sign jobs through BullMQ on the real Redis against the same
// work (read Secrets, check the target, pull, sign, push) called in a plain loop, in one run, with a real module in
// a real registry. Also the fleet-wide dedup: 1,000 clusters on 5 kernels must queue 5 builds. Run: `npm run bench`.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signModule } from '@kmm-hub/kmod-sign';
import {
  TestBuildah,
  compileHelloModule,
  createSigningKey,
  pushModuleLoaderImage,
  type CompiledModule,
  type SigningKey,
} from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImageRequest } from '../apps/hub/src/images/image-pipeline.js';
import { ModuleSignerService } from '../apps/hub/src/images/module-signer.service.js';
import { planImageJobs } from '../apps/hub/src/images/plan-image-jobs.js';
import {
  HubObjects,
  signImageRequest,
  startImages,
  uniqueName,
  type ImagesHarness,
} from '../test/fixtures/kmod/hub-images-harness.js';

const env = inject('env');
const ROOT = new URL('../', import.meta.url).pathname;
const COUNT = 20;

describe('image pipeline queue overhead', () => {
  const workDir = mkdtempSync(join(env.workDir, 'bench-queue-'));
  const namespace = uniqueName('bench-queue');
  const repository = uniqueName('bench-queue');
  let module: CompiledModule;
  let key: SigningKey;
  let unsignedImage: string;
  const versions: Record<string, string> = {};
  const hubs: ImagesHarness[] = [];

  beforeAll(async () => {
    module = compileHelloModule(workDir);
    key = createSigningKey(workDir, 'bench', 'KMM-Hub bench signing key');
    unsignedImage = `${env.registry.host}/${repository}/hello:${module.kernel}-unsigned`;
    pushModuleLoaderImage(new TestBuildah(workDir), workDir, module, unsignedImage);
    const objects = await HubObjects.create(env, namespace);
    versions['Secret/signing-key'] = await objects.secret('signing-key', { key: key.keyPem });
    versions['Secret/signing-cert'] = await objects.secret('signing-cert', { cert: key.certPem });
  }, 300_000);

  afterAll(async () => {
    for (const h of hubs) await h.close();
  });

  const signRequest = (tag: string, kernel = module.kernel): ImageRequest =>
    signImageRequest({
      mcm: 'bench',
      moduleNamespace: 'kmm',
      kernel,
      image: `${env.registry.host}/${repository}/hello:${tag}`,
      unsignedImage,
      filesToSign: [`/opt/lib/modules/${module.kernel}/*.ko`],
      inputVersions: versions,
    });

  const plans = (prefix: string) =>
    Array.from({ length: COUNT }, (_, i) => {
      const req = signRequest(`${prefix}-${i}`);
      const plan = planImageJobs(req, { hash: 'sha256', platform: 'linux/amd64', toolkitImages: {} });
      if (!plan.ok || plan.sign === undefined) throw new Error('no sign planned');
      return { req, sign: plan.sign };
    });

  async function hub(concurrency: number): Promise<ImagesHarness> {
    const h = await startImages({
      env,
      namespace,
      queuePrefix: uniqueName('bench'),
      config: { SIGN_CONCURRENCY: String(concurrency) },
    });
    hubs.push(h);
    return h;
  }

  it('reports 20 signs through the queue against a plain loop, and the dedup of 1,000 clusters', async () => {
    let started = performance.now();
    for (let i = 0; i < COUNT; i++)
      signModule(module.bytes, { keyPem: key.keyPem, certPem: key.certPem, hash: 'sha256' });
    const signaturesMs = performance.now() - started;

    const loopHub = await hub(1);
    const signer = loopHub.moduleRef.get(ModuleSignerService);
    const quiet = { stage: async () => undefined, log: () => undefined, stillOwned: async () => true };
    const [warmUp] = plans('warm-up');
    await signer.sign(warmUp!.sign.data, warmUp!.sign.id, quiet);
    started = performance.now();
    for (const { sign } of plans('loop')) await signer.sign(sign.data, sign.id, quiet);
    const loopMs = performance.now() - started;

    const throughQueue = async (concurrency: number, prefix: string) => {
      const h = await hub(concurrency);
      const done = new Set<string>();
      h.pipeline.onSettled((s) => done.add(s.jobId));
      const queued = plans(prefix);
      const start = performance.now();
      await Promise.all(queued.map(({ req }) => h.pipeline.request(req)));
      await expect
        .poll(() => queued.every(({ sign }) => done.has(sign.id)), { timeout: 120_000, interval: 5 })
        .toBe(true);
      const ms = performance.now() - start;
      for (const { sign } of queued) expect((await h.pipeline.progress(sign.id))?.state).toBe('succeeded');
      return ms;
    };
    const queue1Ms = await throughQueue(1, 'queue-1');
    const queue4Ms = await throughQueue(4, 'queue-4');

    // Dedup: 1,000 clusters on 5 kernels ask for their images; the queue must hold 5 sign jobs.
    const dedupHub = await hub(1);
    const kernels = Array.from({ length: 5 }, (_, i) => `6.1.0-${100 + i}-amd64`);
    const ids = new Set<string>();
    const dedupStart = performance.now();
    for (let c = 0; c < 1000; c++) {
      const kernel = kernels[c % kernels.length]!;
      ids.add((await dedupHub.pipeline.request(signRequest(`dedup-${kernel}`, kernel))).jobId);
    }
    const dedupMs = performance.now() - dedupStart;

    const report = [
      `# Image pipeline queue overhead (${new Date().toISOString()})`,
      '',
      `${COUNT} sign jobs of a real module (${module.bytes.length} bytes) in a real registry, 2 cores.`,
      '',
      '| measure | value |',
      '|---|---|',
      `| ${COUNT} signatures alone (signModule) | ${signaturesMs.toFixed(0)} ms |`,
      `| ${COUNT} × (read Secrets, check target, pull, sign, push) in a plain loop | ${loopMs.toFixed(0)} ms |`,
      `| the same through the queue, 1 worker slot | ${queue1Ms.toFixed(0)} ms (**ratio ${(queue1Ms / loopMs).toFixed(2)}**) |`,
      `| the same through the queue, 4 worker slots | ${queue4Ms.toFixed(0)} ms (**ratio ${(queue4Ms / loopMs).toFixed(2)}**) |`,
      `| 1,000 clusters on 5 kernels: distinct jobs | ${ids.size} (${(dedupMs / 1000).toFixed(2)} ms per request) |`,
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/queue-overhead.md`, `${report}\n`);
    expect(ids.size).toBe(5);
  }, 900_000);
});
