// Test-only: a hub (controller role) on a dedicated API server of the test environment, and the helpers the
// controller's integration specs share. Not part of the build (excluded in tsconfig.json).
import { CoreV1Api } from '@kubernetes/client-node';
import { Test, type TestingModule } from '@nestjs/testing';
import { RESOURCES, type ManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ResourceClient, ServerSideApplier, resourcePath, type KubeClientConfig } from '@kmm-hub/kube';
import {
  applyManagedCluster,
  clusterKubeConfig,
  startDedicatedCluster,
  type DedicatedCluster,
  type EnvState,
  clientNodeConfig,
  workConditions,
} from '@kmm-hub/test-env';
import { parseHubConfig } from '../config/config.schema.js';
import { HubModule } from '../hub.module.js';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';

export const HUB_NAMESPACE = 'kmm-hub';

export interface HubUnderTest {
  /** QUEUE_PREFIX of the hubs started here. */
  queuePrefix: string;
  hub: DedicatedCluster;
  kc: KubeClientConfig;
  http: KubeHttp;
  applier: ServerSideApplier;
  /** Starts one more hub process (controller role) on the same API server and Lease. */
  startHub(
    overrides?: Record<string, string>,
  ): Promise<{ app: TestingModule; reconciler: ManagedClusterModuleReconciler }>;
  applyCluster(name: string, labels: Record<string, string>, kernels: string[]): Promise<void>;
  getMcm(name: string): Promise<ManagedClusterModule>;
  getMw(cluster: string, name: string): Promise<ManifestWork | undefined>;
  /** Sets Applied and Available on a ManifestWork's current generation, as a work agent reports a successful apply. */
  reportApplied(cluster: string, name: string): Promise<void>;
  mcmPath(name: string): string;
  mwPath(cluster: string, name: string): string;
  stop(): Promise<void>;
}

export async function startHubUnderTest(env: EnvState, name: string, namespaces: string[]): Promise<HubUnderTest> {
  const hub = await startDedicatedCluster(env, name);
  const kc = clusterKubeConfig(hub.info);
  const http = new KubeHttp(kc);
  const applier = new ServerSideApplier(kc, 'hub-test');
  const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
  for (const ns of [HUB_NAMESPACE, ...namespaces]) await core.createNamespace({ body: { metadata: { name: ns } } });
  const apps: TestingModule[] = [];
  const prefix = `${name}-${Date.now()}`;
  const mcmPath = (mcm: string) => resourcePath(RESOURCES.ManagedClusterModule, { name: mcm });
  const mwPath = (cluster: string, mw: string) =>
    resourcePath(RESOURCES.ManifestWork, { namespace: cluster, name: mw });
  const mcms = new ResourceClient<ManagedClusterModule>(http, RESOURCES.ManagedClusterModule);
  const works = new ResourceClient<ManifestWork>(http, RESOURCES.ManifestWork);
  return {
    queuePrefix: prefix,
    hub,
    kc,
    http,
    applier,
    mcmPath,
    mwPath,
    async startHub(overrides = {}) {
      const config = parseHubConfig({
        HUB_ROLE: 'controller',
        HUB_KUBECONFIG: hub.info.kubeconfigPath,
        HUB_NAMESPACE,
        REDIS_URL: env.redis.url,
        QUEUE_PREFIX: prefix,
        LEASE_DURATION_S: '3',
        RECHECK_INTERVAL_S: '1',
        RESYNC_INTERVAL_S: '10',
        IMAGE_CHECK_TTL_S: '1',
        IMAGE_CHECK_BACKOFF_S: '1',
        IMAGE_CHECK_BACKOFF_MAX_S: '8',
        POD_NAME: `hub-${apps.length}`,
        LOG_LEVEL: 'warn',
        ...overrides,
      });
      const app = await Test.createTestingModule({ imports: [await HubModule.forRole(config)] }).compile();
      await app.init();
      apps.push(app);
      return { app, reconciler: app.get(ManagedClusterModuleReconciler) };
    },
    applyCluster: (cluster, labels, kernels) => applyManagedCluster(applier, { name: cluster, labels, kernels }),
    getMcm: (mcm) => mcms.get(mcm),
    getMw: (cluster, mw) => works.get(mw, { namespace: cluster }).catch(() => undefined),
    async reportApplied(cluster, work) {
      const mw = await works.get(work, { namespace: cluster });
      await works.mergePatchStatus(
        work,
        { status: { conditions: workConditions(mw.metadata.generation) } },
        { namespace: cluster },
      );
    },
    async stop() {
      // Closing twice is harmless: a test may have stopped a hub already (failover).
      for (const app of apps) await app.close().catch(() => undefined);
      await hub.stop();
    },
  };
}
