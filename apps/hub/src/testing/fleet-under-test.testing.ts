// Test-only: a fleet on a dedicated API server of the test environment, a real hub controller (role controller)
// producing statuses and image jobs, and the hub API (role api) listening on loopback with OIDC against the
// environment's issuer. Not part of the build (excluded in tsconfig.json).
import { CoreV1Api } from '@kubernetes/client-node';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { RESOURCES, type ManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ResourceClient, ServerSideApplier, type KubeClientConfig } from '@kmm-hub/kube';
import {
  applyManagedCluster,
  clientCredentialsToken,
  clusterKubeConfig,
  startDedicatedCluster,
  type DedicatedCluster,
  type EnvState,
  type OidcIssuerInfo,
  clientNodeConfig,
  workConditions,
} from '@kmm-hub/test-env';
import type { LoggerOptions } from '@kmm-hub/logging';
import { vi } from 'vitest';
import { Logger } from 'nestjs-pino';
import { parseHubConfig, type HubConfig } from '../config/config.schema.js';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';
import { HubModule } from '../hub.module.js';
import { setupOpenApi } from '../api/openapi.js';

export const HUB_NAMESPACE = 'kmm-hub';
export const SESSION_SECRET = 'a-test-session-secret-of-32-chars!!';

export interface ApiHub {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Environment of an API hub that trusts `issuer` (the environment's, or one a test started). */
export function apiHubEnv(
  env: EnvState,
  issuer: OidcIssuerInfo,
  kubeconfigPath: string,
  queuePrefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    HUB_ROLE: 'api',
    HUB_KUBECONFIG: kubeconfigPath,
    HUB_NAMESPACE,
    REDIS_URL: env.redis.url,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'warn',
    OIDC_ISSUER_URL: issuer.issuer,
    OIDC_AUDIENCE: issuer.audience,
    OIDC_CLIENT_ID: issuer.clientId,
    OIDC_CLIENT_SECRET: issuer.clientSecret,
    OIDC_SESSION_SECRET: SESSION_SECRET,
    OIDC_ALLOW_HTTP: 'true',
    OIDC_INTROSPECTION: 'true',
    OIDC_GROUPS_CLAIM: issuer.groupsClaim,
    OIDC_ADMIN_GROUPS: issuer.groups.admin,
    OIDC_VIEWER_GROUPS: issuer.groups.viewer,
    ...extra,
  };
}

/** The hub API as `main.ts` runs it (OpenAPI included), listening on a free loopback port. */
export async function startApiHub(vars: Record<string, string>, logging: LoggerOptions = {}): Promise<ApiHub> {
  const config: HubConfig = parseHubConfig(vars);
  const moduleRef = await Test.createTestingModule({ imports: [await HubModule.forRole(config, logging)] }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  app.useLogger(app.get(Logger));
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface FleetUnderTest {
  cluster: DedicatedCluster;
  kc: KubeClientConfig;
  http: KubeHttp;
  applier: ServerSideApplier;
  queuePrefix: string;
  api: ApiHub;
  controller: TestingModule;
  /** Access tokens from the issuer's token endpoint (client_credentials), by role. */
  tokens: Record<'admin' | 'viewer' | 'outsider' | 'opaque', string>;
  applyCluster(
    name: string,
    labels: Record<string, string>,
    kernels: string[] | undefined,
    available: boolean,
  ): Promise<void>;
  /** Waits (up to 30 s) for the hub to have written the ManifestWork, as a work agent can only report on one it has. */
  reportWork(cluster: string, mcm: string, loader: { desired: number; available: number }): Promise<void>;
  getMcm(name: string): Promise<ManagedClusterModule>;
  stop(): Promise<void>;
}

export async function startFleetUnderTest(
  env: EnvState,
  fleetName: string,
  namespaces: string[],
): Promise<FleetUnderTest> {
  const cluster = await startDedicatedCluster(env, fleetName);
  const kc = clusterKubeConfig(cluster.info);
  const http = new KubeHttp(kc);
  const applier = new ServerSideApplier(kc, 'api-test');
  const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
  for (const ns of [HUB_NAMESPACE, ...namespaces]) await core.createNamespace({ body: { metadata: { name: ns } } });
  const queuePrefix = `${fleetName}-${process.pid}-${Date.now()}`;
  const controllerConfig = parseHubConfig({
    HUB_ROLE: 'controller',
    HUB_KUBECONFIG: cluster.info.kubeconfigPath,
    HUB_NAMESPACE,
    REDIS_URL: env.redis.url,
    QUEUE_PREFIX: queuePrefix,
    LEASE_DURATION_S: '3',
    IMAGE_CHECK_TTL_S: '1',
    IMAGE_JOB_ATTEMPTS: '1',
    LOG_LEVEL: 'warn',
  });
  const controller = await Test.createTestingModule({ imports: [await HubModule.forRole(controllerConfig)] }).compile();
  await controller.init();
  const api = await startApiHub(apiHubEnv(env, env.oidc, cluster.info.kubeconfigPath, queuePrefix));
  const clients = env.oidc.machineClients;
  const tokens = {
    admin: await clientCredentialsToken(env.oidc, clients.admin),
    viewer: await clientCredentialsToken(env.oidc, clients.viewer),
    outsider: await clientCredentialsToken(env.oidc, clients.outsider),
    opaque: await clientCredentialsToken(env.oidc, clients.opaque),
  };
  return {
    cluster,
    kc,
    http,
    applier,
    queuePrefix,
    api,
    controller,
    tokens,
    applyCluster: (clusterName, labels, kernels, available) =>
      applyManagedCluster(applier, { name: clusterName, labels, ...(kernels && { kernels }), available }),
    /** Writes the ManifestWork status as an OCM work agent does: applied, available, module-loader feedback. */
    async reportWork(ns, mcm, loader) {
      const works = new ResourceClient<ManifestWork>(http, RESOURCES.ManifestWork);
      // The hub writes a ManifestWork only after the background image checks answered, which can come after the
      // status already lists the cluster's kernels.
      const mw = await vi.waitFor(() => works.get(mcm, { namespace: ns }), { timeout: 30_000, interval: 100 });
      const module = mw.spec?.workload?.manifests?.[0] as { metadata?: { name?: string; namespace?: string } };
      await works.mergePatchStatus(
        mcm,
        {
          status: {
            conditions: workConditions(mw.metadata.generation),
            resourceStatus: {
              manifests: [
                {
                  resourceMeta: {
                    ordinal: 0,
                    group: RESOURCES.Module.group,
                    version: RESOURCES.Module.version,
                    kind: 'Module',
                    resource: 'modules',
                    name: module.metadata?.name,
                    namespace: module.metadata?.namespace,
                  },
                  statusFeedback: {
                    values: [
                      int('moduleLoader.desiredNumber', loader.desired),
                      int('moduleLoader.availableNumber', loader.available),
                      int('moduleLoader.nodesMatchingSelectorNumber', loader.desired),
                    ],
                  },
                  conditions: workConditions(mw.metadata.generation, ['Applied', 'Available', 'StatusFeedbackSynced']),
                },
              ],
            },
          },
        },
        { namespace: ns },
      );
    },
    getMcm: (mcm) => new ResourceClient<ManagedClusterModule>(http, RESOURCES.ManagedClusterModule).get(mcm),
    async stop() {
      await api.close().catch(() => undefined);
      await controller.close().catch(() => undefined);
      await cluster.stop();
    },
  };
}

const int = (name: string, integer: number) => ({ name, fieldValue: { type: 'Integer', integer } });

/** Waits for the controller of `controller` to lead. */
export function reconcilerOf(controller: TestingModule): ManagedClusterModuleReconciler {
  return controller.get(ManagedClusterModuleReconciler);
}
