// Test-only: a hub (controller role) and an image worker (worker role, real buildah) on a dedicated API server,
// with what a build-and-sign ManagedClusterModule of the real hello kernel module reads: the module compiled
// against Debian's headers in a source image in the environment's registry, a Dockerfile ConfigMap and a signing
// key and certificate in the hub namespace (as the demo's hello-signed). Shared by the preflight and upcoming-kernel
// integration tests and bench/prebuild.bench.ts. Not part of the build (excluded in tsconfig.json).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import type { KernelMapping } from '@kmm-hub/api';
import {
  HELLO_MODULE_NAME,
  TestBuildah,
  pushHelloSourceImage,
  compileHelloModule,
  createSigningKey,
  type CompiledModule,
  type EnvState,
  type SigningKey,
} from '@kmm-hub/test-env';
import { parseHubConfig } from '../config/config.schema.js';
import { HubModule } from '../hub.module.js';
import { ImageQueueClient } from '../image-queues/image-queue.client.js';
import { QUEUES } from '../image-queues/jobs.js';
import { HUB_NAMESPACE, startHubUnderTest, type HubUnderTest } from './hub-under-test.testing.js';

export const DOCKERFILE_CONFIGMAP = 'hello-dockerfile';
export const SIGNING_KEY_SECRET = 'hello-signing-key';
export const SIGNING_CERT_SECRET = 'hello-signing-cert';

export interface ModuleBuildHub {
  t: HubUnderTest;
  controller: TestingModule;
  module: CompiledModule;
  key: SigningKey;
  workDir: string;
  /** `<registry>/<run-unique path>`: each test picks a repository under it. */
  repository: string;
  /** A kernel mapping that builds the hello module from the Dockerfile ConfigMap `dockerfile` and signs it. */
  buildAndSignMapping(
    match: { regexp: string } | { literal: string },
    image: string,
    dockerfile?: string,
  ): KernelMapping;
  /** Creates or replaces a Dockerfile ConfigMap in the hub namespace. */
  dockerfile(name: string, text: string): Promise<void>;
  /** The Dockerfile of the demo's hello-signed: copies the module to /opt/lib/modules/<kernel>/. */
  goodDockerfile: string;
  /** Build and sign jobs Redis holds for this hub, in any state. */
  jobCounts(): Promise<{ builds: number; signs: number }>;
  stop(): Promise<void>;
}

export async function startModuleBuildHub(
  env: EnvState,
  name: string,
  clusterNamespaces: string[],
  hubOverrides: Record<string, string> = {},
): Promise<ModuleBuildHub> {
  const workDir = mkdtempSync(join(tmpdir(), `kmm-hub-${name}-`));
  const t = await startHubUnderTest(env, name, clusterNamespaces);
  const repository = `${env.registry.host}/${name}-${Date.now()}`;
  let worker: TestingModule | undefined;
  try {
    const module = compileHelloModule(workDir);
    const key = createSigningKey(workDir, name, `KMM-Hub ${name} signing key`);
    const buildah = new TestBuildah(workDir);
    const sourceImage = `${repository}/hello-src:latest`;
    pushHelloSourceImage(buildah, workDir, module, sourceImage);
    const goodDockerfile = [
      `FROM ${sourceImage}`,
      'ARG KERNEL_FULL_VERSION',
      `RUN mkdir -p /opt/lib/modules/\${KERNEL_FULL_VERSION} && cp /src/${HELLO_MODULE_NAME}.ko /opt/lib/modules/\${KERNEL_FULL_VERSION}/`,
      'CMD ["sleep", "infinity"]',
      '',
    ].join('\n');
    const dockerfile = async (cm: string, text: string) => {
      await t.applier.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: cm, namespace: HUB_NAMESPACE },
        data: { dockerfile: text },
      } as never);
    };
    await dockerfile(DOCKERFILE_CONFIGMAP, goodDockerfile);
    for (const [secret, data] of [
      [SIGNING_KEY_SECRET, { key: key.keyPem }],
      [SIGNING_CERT_SECRET, { cert: key.certPem }],
    ] as const) {
      await t.applier.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secret, namespace: HUB_NAMESPACE },
        stringData: data,
      } as never);
    }
    const jobs = { IMAGE_JOB_ATTEMPTS: '1', BUILD_JOB_POLL_MS: '100' };
    const { app: controller } = await t.startHub({ ...jobs, ...hubOverrides });
    const workerConfig = parseHubConfig({
      HUB_ROLE: 'worker',
      HUB_KUBECONFIG: t.hub.info.kubeconfigPath,
      HUB_NAMESPACE,
      REDIS_URL: env.redis.url,
      QUEUE_PREFIX: t.queuePrefix,
      BUILD_EXECUTOR: 'buildah',
      BUILDAH_STORAGE_DRIVER: 'vfs',
      BUILDAH_ROOT: join(workDir, 'worker-buildah', 'graph'),
      BUILDAH_RUNROOT: join(workDir, 'worker-buildah', 'run'),
      LOG_LEVEL: 'warn',
      ...jobs,
    });
    worker = await Test.createTestingModule({ imports: [await HubModule.forRole(workerConfig)] }).compile();
    await worker.init();
    const queues = controller.get(ImageQueueClient);
    const states = ['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;
    return {
      t,
      controller,
      module,
      key,
      workDir,
      repository,
      goodDockerfile,
      dockerfile,
      buildAndSignMapping: (match, image, dockerfileName = DOCKERFILE_CONFIGMAP) => ({
        ...match,
        containerImage: image,
        build: { dockerfileConfigMap: { name: dockerfileName }, baseImageRegistryTLS: { insecure: true } },
        sign: {
          keySecret: { name: SIGNING_KEY_SECRET },
          certSecret: { name: SIGNING_CERT_SECRET },
          filesToSign: [`/opt/lib/modules/\${KERNEL_FULL_VERSION}/${HELLO_MODULE_NAME}.ko`],
        },
      }),
      async jobCounts() {
        return {
          builds: await queues.queue(QUEUES.build).getJobCountByTypes(...states),
          signs: await queues.queue(QUEUES.sign).getJobCountByTypes(...states),
        };
      },
      async stop() {
        await worker?.close();
        await t.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await worker?.close();
    await t.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}
